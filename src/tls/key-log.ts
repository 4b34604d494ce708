import { closeSync, openSync, writeSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';

/**
 * An NSS key log (the SSLKEYLOGFILE format Wireshark reads) that TLS connections append their
 * secrets to: Node's TLS server hands each line to `write` (its 'keylog' event). GnuTLS, under
 * the QUIC engine, appends to the same file by itself when SSLKEYLOGFILE is set in the
 * environment. For debugging only: whoever reads the file can decrypt the traffic.
 */
export interface KeyLog {
  readonly path: string;
  /** Appends one line as Node gives it (newline included). Synchronous: lines of concurrent handshakes never interleave. */
  write(line: Buffer): void;
  close(): void;
}

/** Opens `path` for appending (created 0600). Throws ConfigError if it cannot. */
export function openKeyLog(path: string): KeyLog {
  let fd: number;
  try {
    fd = openSync(path, 'a', 0o600);
  } catch (err) {
    throw new ConfigError(`SSLKEYLOGFILE ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let open = true;
  return {
    path,
    write: (line) => {
      if (open) writeSync(fd, line);
    },
    close: () => {
      if (open) closeSync(fd);
      open = false;
    },
  };
}
