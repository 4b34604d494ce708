import { spawn } from 'node:child_process';
import { stopper, waitForOutput } from '../common/processes.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchServer {
  name: string;
  pid: number;
  port: number;
  /** URL path prefix under which the workload's files are served. */
  prefix: string;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '../..');


/** h3edge in one process (so /proc figures are the whole server) with the given cache mode and HTTP/3 engine. */
export async function startH3edge(
  name: string,
  mode: 'mmap' | 'read',
  media: string,
  port: number,
  cert: string,
  key: string,
  work: string,
  h3Engine: 'native' | 'currentspace' = 'native',
): Promise<BenchServer> {
  const config = join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify({ cacheMode: mode, h3Engine, openContent: true, workers: 1, logLevel: 'warn', cdnProbeIntervalMs: 0 }));
  const child = spawn(process.execPath, [join(ROOT, 'bin/h3edge.js'), 'serve', '--config', config, '--host', '127.0.0.1', '--port', String(port), '--media', media, '--cert', cert, '--key', key], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, /serving/, name, 20_000);
  return { name, pid: child.pid as number, port, prefix: '/content/', stop: stopper(child) };
}

/** Caddy's file_server over h1/h2/h3 with the same certificate and files. */
export async function startCaddy(media: string, port: number, cert: string, key: string, work: string): Promise<BenchServer> {
  const caddyfile = join(work, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{\n  admin off\n  auto_https off\n  servers {\n    protocols h1 h2 h3\n  }\n}\nhttps://:${port} {\n  tls ${cert} ${key}\n  root * ${media}\n  file_server\n}\n`,
  );
  const child = spawn('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: work } });
  await waitForOutput(child, /serving initial configuration|server running/, 'caddy', 20_000);
  return { name: 'caddy', pid: child.pid as number, port, prefix: '/', stop: stopper(child) };
}

/** ngtcp2's own HTTP/3 server (C, GnuTLS) on the same files: the ceiling for our engine. */
export async function startGtlsserver(media: string, port: number, cert: string, key: string): Promise<BenchServer> {
  const child = spawn('gtlsserver', ['-q', '-d', media, '127.0.0.1', String(port), key, cert], { stdio: ['ignore', 'pipe', 'pipe'] });
  // It prints nothing when quiet: ready once the UDP port is bound.
  for (let i = 0; i < 100 && !udpPortBound(port); i++) await new Promise((r) => setTimeout(r, 50));
  if (!udpPortBound(port)) throw new Error('gtlsserver did not bind its port');
  return { name: 'gtlsserver', pid: child.pid as number, port, prefix: '/', stop: stopper(child) };
}

function udpPortBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/udp', '/proc/net/udp6'].some((f) => {
    try {
      return readFileSync(f, 'utf8').includes(`:${hex} `);
    } catch {
      return false;
    }
  });
}
