import { availableParallelism } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { stopper, waitForFile, waitForOutput } from '../common/processes.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchServer {
  name: string;
  pid: number;
  port: number;
  /** URL path prefix under which the workload's files are served. */
  prefix: string;
  /** False for a server without HTTP/3 (nginx-light): its HTTP/3 workloads are left out. */
  http3?: boolean;
  stop(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '../..');


/**
 * Server processes for h3edge and nginx in the HTTP/2 rows: one per core, as Caddy's Go runtime
 * uses every core by itself (GOMAXPROCS). CPU and RSS are counted over a server's children too.
 */
export const SERVER_WORKERS = availableParallelism();

/** h3edge with the given cache mode, HTTP/3 engine and worker count (1: one worker process under the primary). */
export async function startH3edge(
  name: string,
  mode: 'mmap' | 'read',
  media: string,
  port: number,
  cert: string,
  key: string,
  work: string,
  h3Engine: 'native' | 'currentspace' = 'native',
  workers = 1,
): Promise<BenchServer> {
  const config = join(work, `${name}.json`);
  writeFileSync(config, JSON.stringify({ cacheMode: mode, h3Engine, openContent: true, workers, logLevel: 'warn', cdnProbeIntervalMs: 0 }));
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

/** nginx worker processes: as many as h3edge's (CPU is counted over master and workers). */
export const NGINX_WORKERS = SERVER_WORKERS;

/**
 * nginx (Debian's nginx-light) serving the same files over HTTP/2 with sendfile and TLS 1.3: what
 * an operator would pick for static video, the anchor on HTTP/2. Runs in the foreground on an
 * unprivileged port with its config, pid file, logs and temp paths under `work/nginx`; ready once
 * its pid file appears (written after the listening socket is open).
 */
export async function startNginx(media: string, port: number, cert: string, key: string, work: string): Promise<BenchServer> {
  const dir = join(work, 'nginx');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${join(dir, 'tmp', k)};`).join('\n');
  writeFileSync(
    conf,
    `worker_processes ${NGINX_WORKERS};
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events {
  worker_connections 4096;
}
http {
  include /etc/nginx/mime.types;
  types { video/iso.segment m4s; application/vnd.apple.mpegurl m3u8; }
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  # One h2load connection carries up to REQUESTS / 4 requests: no GOAWAY mid-run.
  keepalive_requests 1000000;
${temp}
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.3;
    root ${media};
  }
}
`,
  );
  // -e: the startup error log too, before the config's error_log takes over (the default is /var/log/nginx).
  const args = ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')];
  const check = spawnSync('nginx', [...args, '-t', '-q'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected its config: ${check.stderr}${readFileSync(join(dir, 'error.log'), 'utf8').slice(-600)}`);
  const child = spawn('nginx', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForFile(join(dir, 'nginx.pid'), child, 'nginx', 20_000);
  return { name: 'nginx', pid: child.pid as number, port, prefix: '/', http3: false, stop: stopper(child) };
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
