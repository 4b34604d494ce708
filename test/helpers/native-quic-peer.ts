import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeH3Server } from '../../src/native/quic-server.js';
import type { NativeRequest as NativeH3Request } from '../../src/native/quic-request.js';
import type { NativeH3ServerOptions } from '../../src/native/quic.js';
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
/**
 * Answers `req` with `body` streamed in pieces of `chunkBytes`, each pushed when the engine pulls
 * (push false: wait for `pulled`); `onPull` is told each piece's offset as it is taken.
 */
export async function respondStreamed(req: NativeH3Request, headers: Array<[string, string]>, body: Buffer, chunkBytes: number, onPull?: (offset: number) => void): Promise<void> {
  req.respond(200, headers, null, undefined, true);
  for (let off = 0; off < body.length; off += chunkBytes) {
    onPull?.(off);
    if (!req.push(body.subarray(off, Math.min(off + chunkBytes, body.length))) && !req.closed) await req.pulled();
  }
  req.push(null);
}
