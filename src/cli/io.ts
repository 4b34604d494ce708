/** Where a subcommand writes; injected so tests can capture it. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
