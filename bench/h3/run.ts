// HTTP/3 engines on the same files over loopback: h3edge on its native engine (ngtcp2 + nghttp3)
// and on @currentspace/http3 (quiche), Caddy's h3, and ngtcp2's own gtlsserver as the ceiling.
// The client is ngtcp2's gtlsclient for all of them. Every run is bounded by a request count.
// Usage: tsx bench/h3/run.ts [--quick]   → bench/results/h3-engines.json + h3-engines.md
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeWorkload, type Workload } from '../cache/workload.js';
import { processUsage } from '../cache/proc-usage.js';
import { startCaddy, startGtlsserver, startH3edge, type BenchServer } from '../cache/servers.js';
import { machine } from '../common/machine.js';
import { freePort, medians, ratioTo, type Sample } from '../common/samples.js';
import { quicLibVersions } from '../common/quic-libs.js';
import { CLIENT_DOWNLOADS_IN, clientDownloadDir } from '../common/client-downloads.js';

const ROOT = join(import.meta.dirname, '../..');
const quick = process.argv.includes('--quick');
const REPEATS = quick ? 1 : 3;

interface Load {
  name: string;
  /** Paths cycled by each connection, and requests per connection. */
  paths: (wl: Workload) => string[];
  requests: number;
  connections: number;
}

const LOADS: Load[] = [
  { name: 'segments, 1 connection', paths: (wl) => wl.paths, requests: quick ? 200 : 600, connections: 1 },
  { name: 'segments, 4 connections', paths: (wl) => wl.paths, requests: quick ? 100 : 300, connections: 4 },
  { name: '24 MB file, 1 connection', paths: (wl) => [wl.singleFile.path], requests: quick ? 4 : 12, connections: 1 },
  { name: 'small objects, 1 connection', paths: (wl) => wl.paths.slice(0, 2), requests: quick ? 2000 : 6000, connections: 1 },
];

/**
 * One gtlsclient connection; resolves with how many files' last copy did not arrive whole (plus
 * one if the connection failed) and the error the connection ended with. gtlsclient exits 0 even
 * when the connection is closed on an error (it prints e.g. `ngtcp2_conn_read_pkt:
 * ERR_FLOW_CONTROL` and stops), and the last copy of a file can be whole while later requests for
 * it never finished, so its error output counts too.
 */
function gtlsclient(server: BenchServer, paths: string[], requests: number, sizes: Map<string, number>): Promise<{ incomplete: number; error: string | null }> {
  const download = clientDownloadDir(`h3edge-bench-h3-dl-${server.name}-`);
  const uris = paths.map((p) => `https://localhost:${server.port}${server.prefix}${p}`);
  const args = ['-q', '--exit-on-all-streams-close', '--timeout=30s', '--download', download, '-n', String(requests), '127.0.0.1', String(server.port), ...uris];
  return new Promise((resolve) => {
    const child = spawn('gtlsclient', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const error = connectionError(stderr) ?? (code === 0 ? null : `exit ${code}`);
      let incomplete = error === null ? 0 : 1;
      for (const p of paths) {
        try {
          if (readFileSync(join(download, p.split('/').pop() as string)).length !== sizes.get(p)) incomplete++;
        } catch {
          incomplete++;
        }
      }
      rmSync(download, { recursive: true, force: true });
      resolve({ incomplete, error });
    });
  });
}

/** The ngtcp2 error a gtlsclient connection ended with (`ERR_FLOW_CONTROL`, ...), from its error output. */
function connectionError(stderr: string): string | null {
  return /\b(ERR_[A-Z_]+)/.exec(stderr)?.[1] ?? null;
}

interface RunSample extends Sample {
  /** The error a failed connection of this run ended with; such a run's times are not counted. */
  error: string | null;
}

async function measure(server: BenchServer, load: Load, wl: Workload): Promise<RunSample> {
  const paths = load.paths(wl);
  let bytes = 0;
  for (let i = 0; i < load.requests; i++) bytes += wl.sizes.get(paths[i % paths.length] as string) ?? 0;
  const before = processUsage(server.pid);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: load.connections }, () => gtlsclient(server, paths, load.requests, wl.sizes)));
  const seconds = (performance.now() - started) / 1000;
  const after = processUsage(server.pid);
  const total = bytes * load.connections;
  return {
    server: server.name,
    workload: load.name,
    reqPerSec: Math.round((load.requests * load.connections) / seconds),
    mbPerSec: Math.round(total / 1e6 / seconds),
    cpuSecPerGB: Number(((after.cpuSec - before.cpuSec) / (total / 1e9)).toFixed(2)),
    rssMB: Math.round(after.rssBytes / 1e6),
    incomplete: results.reduce((a, b) => a + b.incomplete, 0),
    error: results.find((r) => r.error !== null)?.error ?? null,
  };
}

async function main(): Promise<void> {
  execFileSync('make', ['-C', ROOT, 'build'], { stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'h3edge-bench-h3-'));
  execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), join(work, 'certs')], { stdio: 'ignore' });
  const cert = join(work, 'certs/dev-cert.pem');
  const key = join(work, 'certs/dev-key.pem');
  const wl = makeWorkload(join(work, 'media'));
  const servers: BenchServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  const samples: RunSample[] = [];
  try {
    servers.push(await startH3edge('h3edge-native', 'mmap', wl.dir, await freePort(), cert, key, work, 'native'));
    servers.push(await startH3edge('h3edge-currentspace', 'mmap', wl.dir, await freePort(), cert, key, work, 'currentspace'));
    servers.push(await startCaddy(wl.dir, await freePort(), cert, key, work));
    servers.push(await startGtlsserver(wl.dir, await freePort(), cert, key));
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const load of LOADS) {
        for (const s of servers) {
          process.stderr.write(`bench h3: run ${rep + 1}/${REPEATS} ${load.name} ${s.name}\n`);
          samples.push(await measure(s, load, wl));
        }
      }
    }
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
  const rows = summarize(samples);
  const versions = {
    node: process.version,
    caddy: spawnSync('caddy', ['version'], { encoding: 'utf8' }).stdout.trim(),
    nativeEngine: quicLibVersions(ROOT),
    gtlsclientAndGtlsserver: spawnSync('dpkg-query', ['-W', '-f=${Version}', 'ngtcp2-client'], { encoding: 'utf8' }).stdout.trim(),
    ...machine(),
  };
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'h3-engines.json'), JSON.stringify({ settings: { clientDownloads: CLIENT_DOWNLOADS_IN, repeats: REPEATS, quick, loads: LOADS.map(({ name, requests, connections }) => ({ name, requests, connections })) }, versions, samples, medians: rows }, null, 2));
  const md = table(rows);
  writeFileSync(join(out, 'h3-engines.md'), md);
  process.stdout.write(md);
}

interface Row extends Sample {
  vsCaddy: number;
  vsGtlsserver: number;
  /** Runs whose transfers did not all complete (not in the medians), and the errors they ended with. */
  failedRuns: number;
  errors: string[];
}

/**
 * Medians over the runs whose transfers all completed: a run cut short by an error moves fewer
 * bytes in less time and its MB/s means nothing. A load on which every run failed gets zeros.
 */
function summarize(samples: RunSample[]): Row[] {
  const keys = [...new Set(samples.map((s) => `${s.workload}|${s.server}`))];
  const rows = keys.map((k) => {
    const of = samples.filter((s) => `${s.workload}|${s.server}` === k);
    const complete = of.filter((s) => s.incomplete === 0);
    const m = medians(complete.length > 0 ? complete : of)[0] as Sample;
    return {
      ...(complete.length > 0 ? m : { ...m, reqPerSec: 0, mbPerSec: 0, cpuSecPerGB: 0 }),
      incomplete: of.reduce((n, s) => n + s.incomplete, 0),
      failedRuns: of.length - complete.length,
      errors: [...new Set(of.map((s) => s.error).filter((e): e is string => e !== null))],
    };
  });
  return rows.map((r) => ({ ...r, vsCaddy: ratioTo(rows, r, 'caddy'), vsGtlsserver: ratioTo(rows, r, 'gtlsserver') }));
}

function table(rows: Row[]): string {
  const lines = [
    '| load | server | req/s | MB/s | CPU s per GB | RSS MB | vs Caddy | vs gtlsserver | failed runs (not in the medians) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const failed = `${r.failedRuns}${r.errors.length > 0 ? ` (${r.errors.join(', ')})` : ''}`;
      // Every run failed: no time to show.
      if (r.reqPerSec === 0) return `| ${r.workload} | ${r.server} | — | — | — | ${r.rssMB} | — | — | ${failed} |`;
      return `| ${r.workload} | ${r.server} | ${r.reqPerSec} | ${r.mbPerSec} | ${r.cpuSecPerGB} | ${r.rssMB} | ${r.vsCaddy}× | ${r.vsGtlsserver}× | ${failed} |`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

await main();
