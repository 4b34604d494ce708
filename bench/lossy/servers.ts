// The servers under test, started inside the server namespace on the same files and certificate.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchServer } from '../cache/servers.js';
import { stopper, waitForOutput } from '../common/processes.js';
import { SERVER_ADDR } from './link.js';

const ROOT = join(import.meta.dirname, '../..');


export interface ServerFiles {
  media: string;
  cert: string;
  key: string;
  work: string;
}

/** What h3edge's QUIC connections use in the benchmark: its default, stated so results say it. */
export const H3EDGE_QUIC_CONGESTION_CONTROL = 'bbr2';

/**
 * h3edge (one worker, native HTTP/3 engine, open content) on SERVER_ADDR:port in namespace `ns`;
 * `entry` is node's arguments before `serve` (tests run the sources through tsx instead);
 * `config` adds to or overrides the benchmark's config keys.
 */
export async function startH3edgeInNetns(ns: string, port: number, f: ServerFiles, entry: string[] = [join(ROOT, 'bin/h3edge.js')], config: Record<string, unknown> = {}): Promise<BenchServer> {
  const configFile = join(f.work, `h3edge-lossy-${port}.json`);
  writeFileSync(configFile, JSON.stringify({ h3Engine: 'native', quicCongestionControl: H3EDGE_QUIC_CONGESTION_CONTROL, openContent: true, workers: 1, logLevel: 'warn', cdnProbeIntervalMs: 0, ...config }));
  const args = ['serve', '--config', configFile, '--host', SERVER_ADDR, '--port', String(port), '--media', f.media, '--cert', f.cert, '--key', f.key];
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, /serving/, 'h3edge', 30_000);
  return { name: 'h3edge', pid: child.pid as number, port, prefix: '/content/', stop: stopper(child) };
}

/** Caddy's file_server (h2 and h3) in namespace `ns`, started by bench/cache's helper; quic-go's congestion control is CUBIC. */
export async function startCaddyInNetns(ns: string, port: number, f: ServerFiles): Promise<BenchServer> {
  const launcher = join(import.meta.dirname, 'caddy-in-netns.ts');
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', launcher, f.media, String(port), f.cert, f.key, f.work], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  await waitForOutput(child, /^ready/m, 'caddy', 30_000);
  return { name: 'caddy', pid: child.pid as number, port, prefix: '/', stop: stopper(child) };
}
