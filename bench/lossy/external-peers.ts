// External clients on the same link: nghttp (h2 startup), h2load (h2 small objects) and ngtcp2's
// gtlsclient (h3 startup cold and resumed/0-RTT). Their times are process wall times measured
// here (process start-up is a few ms of C), so they compare with each other, not to the millisecond with ours.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchServer } from '../cache/servers.js';
import { SERVER_ADDR } from './link.js';
import type { ScenarioSample } from './scenarios.js';

export interface ExternalContext {
  /** Namespace the clients run in. */
  cliNs: string;
  server: BenchServer;
  startup: string[];
  small: string;
  smallRequests: number;
  work: string;
  timeoutMs: number;
}

export type ExternalResult = ScenarioSample | { scenario: string; mode?: string; error: string };

/** Flow-control windows as 2^n: 8 MiB per stream, 16 MiB per connection (near Chromium's); the 64 KiB default would cap throughput at 64 KiB per round trip. */
const CHROMIUM_WINDOWS = ['-w', '23', '-W', '24'];

const uri = (c: ExternalContext, p: string): string => `https://localhost:${c.server.port}${c.server.prefix}${p}`;

/** Runs a client in the client namespace; asynchronous so a Ctrl-C is handled while it runs. */
async function timed(c: ExternalContext, cmd: string, args: string[]): Promise<{ ms: number; status: number | null; out: string }> {
  const t0 = performance.now();
  const child = spawn('ip', ['netns', 'exec', c.cliNs, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), c.timeoutMs);
  const status = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(killer);
  return { ms: performance.now() - t0, status, out };
}

/** nghttp: every startup object in parallel on one h2 connection (--no-dep: no priority tree; -v: frame log, to count 200s). */
export async function nghttpStartup(c: ExternalContext): Promise<ExternalResult> {
  const r = await timed(c, 'nghttp', ['-n', '-v', '--no-dep', ...CHROMIUM_WINDOWS, `--header=host:localhost:${c.server.port}`, ...c.startup.map((p) => uri(c, p).replace('localhost', SERVER_ADDR))]);
  const ok = [...r.out.matchAll(/:status: 200/g)].length;
  if (r.status !== 0) return { scenario: 'startup', mode: 'cold', error: `nghttp exit ${r.status}: ${r.out.slice(-200)}` };
  return { scenario: 'startup', mode: 'cold', metrics: { completionMs: r.ms, incomplete: Math.max(0, c.startup.length - ok) } };
}

/** h2load: small objects, one connection, 10 streams at a time. */
export async function h2loadSmall(c: ExternalContext): Promise<ExternalResult> {
  const r = await timed(c, 'h2load', ['-n', String(c.smallRequests), '-c', '1', '-m', '10', ...CHROMIUM_WINDOWS, uri(c, c.small).replace('localhost', SERVER_ADDR)]);
  const done = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded/.exec(r.out);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(r.out);
  if (!done || !rate) return { scenario: 'throughput', error: `h2load: ${r.out.slice(-200)}` };
  return { scenario: 'throughput', metrics: { smallReqPerSec: Number(rate[1]), incomplete: c.smallRequests - Number(done[1]) } };
}

/**
 * gtlsclient: the startup objects on one QUIC connection. With a session and transport-parameter
 * file from an earlier run it resumes and sends the requests as 0-RTT early data; `0-rtt+token`
 * also presents the NEW_TOKEN token the cold run kept (RFC 9000 §8.1.3), which proves the
 * client's address, so the server's answer is not held to 3× what the client sent (§8.1).
 */
const IDLED_OUT = /ERR_IDLE_CLOSE/;
/**
 * How a gtlsclient run that idled out is recorded. Seen with gtlsclient 1.11 resuming with 0-RTT
 * against Caddy 2.6.2 (quic-go) on every emulated link (not on loopback): Caddy answers the early
 * requests but never acknowledges the client's 1-RTT packets, so both sides retransmit until the
 * client's 30 s idle timeout, ~50-85 s after the start, with partial downloads.
 */
export const IDLE_OUT_ERROR = 'gtlsclient: the connection idled out before the responses completed';

export async function gtlsclientStartup(c: ExternalContext, sessionDir: string, mode: 'cold' | '0-rtt' | '0-rtt+token'): Promise<ExternalResult> {
  const download = mkdtempSync(join(c.work, 'gtls-'));
  try {
    const session = [`--session-file=${join(sessionDir, 'session.pem')}`, `--tp-file=${join(sessionDir, 'tp.bin')}`];
    // The cold run writes the token it is given; plain 0-RTT runs without it.
    if (mode !== '0-rtt') session.push(`--token-file=${join(sessionDir, 'token.bin')}`);
    const args = ['-q', '--exit-on-all-streams-close', '--no-quic-dump', '--no-http-dump', '--timeout=30s', '--download', download, ...session];
    const r = await timed(c, 'gtlsclient', [...args, SERVER_ADDR, String(c.server.port), ...c.startup.map((p) => uri(c, p))]);
    if (r.status !== 0) return { scenario: 'startup', mode, error: `gtlsclient exit ${r.status}: ${r.out.slice(-200)}` };
    // gtlsclient exits 0 when its connection idles out, whatever it downloaded: never a time.
    if (IDLED_OUT.test(r.out)) return { scenario: 'startup', mode, error: `${IDLE_OUT_ERROR} after ${Math.round(r.ms)} ms` };
    const rejected = /early data was rejected/i.test(r.out) ? 1 : 0;
    return { scenario: 'startup', mode, metrics: { completionMs: r.ms, earlyDataRejected: rejected } };
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}
