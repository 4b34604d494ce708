// The native engine alone (test/helpers/native-server-main.ts: every path answers the same body)
// inside the server namespace of an emulated link, and ngtcp2's gtlsclient downloading from it
// in the client namespace, resuming from the session, transport-parameter and token files of a
// directory. For the Careful Resume test and bench.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CarefulResumeOutcome, NativeConnStats, NativeH3ServerOptions } from '../../src/native/quic.js';
import { waitForOutput } from '../common/processes.js';
import { SERVER_ADDR, type LinkEmulator } from './link.js';

const MAIN = join(import.meta.dirname, '../../test/helpers/native-server-main.ts');

/** One response's line from the server: the connection's statistics and the server's Careful Resume counters. */
export interface ServedLine {
  path: string;
  completed: boolean;
  stats: NativeConnStats;
  carefulResume: Record<CarefulResumeOutcome, number>;
}

export interface NativeInNetns {
  /** Where it listens in the server namespace: SERVER_ADDR unless `opts.host` said otherwise. */
  host: string;
  port: number;
  /** The line of the response to `path` (waits for it; lines of other paths before it are dropped). */
  served(path: string): Promise<ServedLine>;
  stop(): Promise<void>;
}

/** Starts the server (`opts` without port/cert; `bodyBytes` per response) and waits until it listens. */
export async function startNativeInNetns(link: LinkEmulator, work: string, name: string, port: number, certs: { certFile: string; keyFile: string }, bodyBytes: number, opts: Partial<NativeH3ServerOptions>): Promise<NativeInNetns> {
  const optsFile = join(work, `native-${name}.json`);
  writeFileSync(optsFile, JSON.stringify({ host: SERVER_ADDR, port, certFile: certs.certFile, keyFile: certs.keyFile, bodyBytes, ...opts }));
  const [cmd, args] = link.exec('srv', process.execPath, ['--import', 'tsx', MAIN, optsFile]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: ServedLine[] = [];
  let waiter: (() => void) | null = null;
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as ServedLine);
    }
    waiter?.();
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await waitForOutput(child, /^ready/m, 'native server', 30_000);
  return {
    host: opts.host ?? SERVER_ADDR,
    port,
    async served(path) {
      for (;;) {
        const at = lines.findIndex((l) => l.path === path);
        if (at >= 0) return lines.splice(0, at + 1)[at] as ServedLine;
        await Promise.race([new Promise<void>((resolve) => (waiter = resolve)), exited.then(() => Promise.reject(new Error('native server exited')))]);
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** gtlsclient's files of one client: session ticket, transport parameters, NEW_TOKEN token. */
export function clientFiles(dir: string): { session: string; tp: string; token: string } {
  return { session: join(dir, 'session.pem'), tp: join(dir, 'tp.bin'), token: join(dir, 'token.pem') };
}

export interface Download {
  ms: number;
  code: number | null;
  /** Body bytes gtlsclient stored (it also exits 0 after an idle timeout). */
  bytes: number;
  out: string;
}

/**
 * GETs `path` (`times` times at once on one connection) with gtlsclient from the client
 * namespace, wall time of the process (its start-up is a few ms of C). `resume`: which of the
 * files in `dir` it reads (and writes).
 */
export async function gtlsDownload(link: LinkEmulator, server: Pick<NativeInNetns, 'host' | 'port'>, dir: string, path: string, resume: { session: boolean; token: boolean }, timeoutMs = 60_000, times = 1): Promise<Download> {
  const { host, port } = server;
  const f = clientFiles(dir);
  const files = [...(resume.session ? [`--session-file=${f.session}`, `--tp-file=${f.tp}`] : []), ...(resume.token ? [`--token-file=${f.token}`] : [])];
  const download = mkdtempSync(join(dir, 'download-'));
  const [cmd, args] = link.exec('cli', 'gtlsclient', ['-q', '--exit-on-all-streams-close', '--no-quic-dump', '--no-http-dump', '--timeout=30s', '--download', download, ...files, host, String(port), ...Array.from({ length: times }, () => `https://localhost:${port}${path}`)]);
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = performance.now() - t0;
  clearTimeout(killer);
  const bytes = readdirSync(download).reduce((sum, name) => sum + statSync(join(download, name)).size, 0);
  rmSync(download, { recursive: true, force: true });
  return { ms, code, bytes, out };
}
