import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeH3Server, type NativeH3Request, type NativeH3ServerOptions } from '../../src/native/quic.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { run, type RunResult } from './run.js';
import { scratchDir } from './scratch.js';

/** What a native-engine test needs from tap: cleanup hooks. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A NativeH3Server on 127.0.0.1 with a fresh certificate, closed when the test ends. */
export async function startNativeServer(
  t: Teardown,
  handler: (req: NativeH3Request) => void,
  opts: Partial<NativeH3ServerOptions> & { certs?: TestCerts } = {},
): Promise<{ server: NativeH3Server; port: number; certs: TestCerts }> {
  const certs = opts.certs ?? makeTestCerts();
  const server = await NativeH3Server.listen({ host: '127.0.0.1', port: 0, certFile: certs.certFile, keyFile: certs.keyFile, ...opts });
  server.on('request', handler);
  t.teardown(() => server.close({ graceMs: 0 }));
  return { server, port: server.address().port, certs };
}

/** A temp dir removed when the test ends. */
export function tempDir(t: Teardown, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface GtlsOptions {
  /** Directory for --download; omitted: bodies are discarded (-q and --no-http-dump). */
  download?: string;
  /** Keep gtlsclient's log on stderr (needed to see "Early data was rejected"). */
  verbose?: boolean;
  extra?: string[];
  timeoutMs?: number;
}

/** ngtcp2's gtlsclient fetching `paths` from 127.0.0.1:port in one connection. */
export function gtlsclient(port: number, paths: string[], opts: GtlsOptions = {}): Promise<RunResult> {
  const args = ['--exit-on-all-streams-close', '--timeout=10s'];
  if (opts.download) args.push('--download', opts.download);
  args.push(...(opts.verbose ? ['--no-quic-dump', '--no-http-dump'] : ['-q']));
  args.push(...(opts.extra ?? []), '127.0.0.1', String(port), ...paths.map((p) => `https://localhost:${port}${p}`));
  return run('gtlsclient', args, { timeoutMs: opts.timeoutMs ?? 60_000 });
}

/** An async iterable over `body` in `chunkBytes` pieces that reports each pull. */
export function chunked(body: Buffer, chunkBytes: number, onPull?: (offset: number) => void): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let off = 0; off < body.length; off += chunkBytes) {
        onPull?.(off);
        yield body.subarray(off, Math.min(off + chunkBytes, body.length));
      }
    },
  };
}
