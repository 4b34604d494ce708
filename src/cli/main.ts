import { ConfigError } from '../config/errors.js';
import type { CommandIo } from './io.js';
import { runServe, SERVE_USAGE } from './commands/serve.js';
import { PACKAGE_USAGE } from './commands/package.js';
import { FILL_USAGE } from './commands/fill.js';

type Command = (argv: string[], io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  serve: async () => runServe,
  package: async () => (await import('./commands/package.js')).runPackage,
  fill: async () => (await import('./commands/fill.js')).runFillCommand,
};

const USAGE = `usage:
  ${SERVE_USAGE}
  ${PACKAGE_USAGE}
  ${FILL_USAGE}`;

/** Runs one subcommand and returns the process exit code: 0 ok, 2 usage/config, 1 other failure. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`h3edge: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`h3edge: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`h3edge: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
