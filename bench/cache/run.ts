// Issue-6 benchmark: the same segment workload from h3edge's mmap cache, h3edge's read path,
// Caddy's file_server and nginx (HTTP/2 only: Debian's nginx-light has no HTTP/3), over HTTP/2
// (h2load) and HTTP/3 (gtlsclient), plus random byte ranges of a single-file rendition (our
// HTTP/2 client), and small objects over HTTP/2 (h2load). Loopback only; every run bounded by request count.
// Usage: tsx bench/cache/run.ts [--quick]   → bench/results/cache.json + cache.md
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CLIENT_DOWNLOADS_IN, clientDownloadDir } from '../common/client-downloads.js';
import { join } from 'node:path';
import http2 from 'node:http2';
import { makeWorkload } from './workload.js';
import { processUsage } from './proc-usage.js';
import { NGINX_WORKERS, SERVER_WORKERS, startCaddy, startH3edge, startNginx, type BenchServer } from './servers.js';
import { machine } from '../common/machine.js';
import { freePort, medians, ratioTo, type Sample } from '../common/samples.js';

const ROOT = join(import.meta.dirname, '../..');
const quick = process.argv.includes('--quick');
const REPEATS = quick ? 1 : 3;
const REQUESTS = quick ? 600 : 3000;
const RANGE_REQUESTS = quick ? 1000 : 5000;
/** Small objects (the manifest and the init segment, ~1 KB each): the per-request cost. */
const SMALL_REQUESTS = quick ? 6000 : 40000;

/** HTTP/2: h2load, 4 connections × 8 streams over the given URIs, `requests` in all. */
function h2load(server: BenchServer, paths: string[], work: string, requests = REQUESTS): { reqPerSec: number; bytes: number } {
  const uris = join(work, `uris-${server.name}.txt`);
  writeFileSync(uris, paths.map((p) => `https://127.0.0.1:${server.port}${server.prefix}${p}`).join('\n'));
  const r = spawnSync('h2load', ['-n', String(requests), '-c', '4', '-m', '8', '-i', uris], { encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout}${r.stderr}`;
  const done = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded/.exec(out);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s, ([\d.]+)(K|M|G)?B\/s/.exec(out);
  const traffic = /traffic: ([\d.]+)(K|M|G)?B \((\d+)\) total/.exec(out);
  if (!done || !rate || Number(done[2]) !== requests) throw new Error(`h2load against ${server.name} failed:\n${out.slice(-600)}`);
  return { reqPerSec: Number(rate[1]), bytes: Number(traffic?.[3] ?? 0) };
}

/**
 * HTTP/3: ngtcp2's gtlsclient (Debian's h2load has no QUIC), one connection, the same URIs
 * cycled for REQUESTS requests; bytes are the workload's file sizes (bodies are discarded).
 */
function gtlsclient(server: BenchServer, paths: string[], sizes: Map<string, number>): { reqPerSec: number; bytes: number; incomplete: number } {
  const uris = paths.map((p) => `https://localhost:${server.port}${server.prefix}${p}`);
  const download = clientDownloadDir(`h3edge-bench-cache-dl-${server.name}-`);
  const started = performance.now();
  const r = spawnSync('gtlsclient', ['-q', '--exit-on-all-streams-close', '--download', download, '-n', String(REQUESTS), '127.0.0.1', String(server.port), ...uris], { encoding: 'utf8', timeout: 300_000 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`gtlsclient against ${server.name} failed (${r.status}): ${`${r.stderr}`.slice(-400)}`);
  // The last download of every file must have arrived whole (an error page has another size);
  // incomplete ones are counted and reported, not hidden.
  let incomplete = 0;
  for (const p of paths) {
    const got = readFileSync(join(download, p.split('/').pop() as string)).length;
    if (got !== sizes.get(p)) incomplete++;
  }
  rmSync(download, { recursive: true, force: true });
  let bytes = 0;
  for (let i = 0; i < REQUESTS; i++) bytes += sizes.get(paths[i % paths.length] as string) ?? 0;
  return { reqPerSec: REQUESTS / seconds, bytes, incomplete };
}

async function randomRanges(server: BenchServer, path: string, size: number, ca: Buffer): Promise<{ reqPerSec: number; bytes: number }> {
  const session = http2.connect(`https://127.0.0.1:${server.port}`, { ca, servername: 'localhost', rejectUnauthorized: false });
  let seed = 42;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  let bytes = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const start = next() % size;
      const end = Math.min(size - 1, start + (next() % (256 * 1024)));
      const req = session.request({ ':path': `${server.prefix}${path}`, range: `bytes=${start}-${end}` }, { endStream: true });
      let got = 0;
      req.on('response', (h) => {
        if (h[':status'] !== 206) reject(new Error(`${server.name}: range answered ${h[':status']}`));
      });
      req.on('data', (c: Buffer) => (got += c.length));
      req.on('end', () => {
        if (got !== end - start + 1) return reject(new Error(`${server.name}: range ${start}-${end} gave ${got} bytes`));
        bytes += got;
        resolve();
      });
      req.on('error', reject);
    });
  const started = performance.now();
  for (let i = 0; i < RANGE_REQUESTS; i += 16) await Promise.all(Array.from({ length: Math.min(16, RANGE_REQUESTS - i) }, one));
  const seconds = (performance.now() - started) / 1000;
  session.close();
  return { reqPerSec: RANGE_REQUESTS / seconds, bytes };
}

type RunResult = { reqPerSec: number; bytes: number; incomplete?: number };

async function measure(server: BenchServer, workload: string, run: () => Promise<RunResult> | RunResult): Promise<Sample> {
  const before = processUsage(server.pid);
  const started = performance.now();
  const r = await run();
  const seconds = (performance.now() - started) / 1000;
  const after = processUsage(server.pid);
  const gb = r.bytes / 1e9;
  return {
    server: server.name,
    workload,
    reqPerSec: Math.round(r.reqPerSec),
    mbPerSec: Math.round(r.bytes / 1e6 / seconds),
    cpuSecPerGB: gb > 0 ? Number(((after.cpuSec - before.cpuSec) / gb).toFixed(2)) : 0,
    rssMB: Math.round(after.rssBytes / 1e6),
    incomplete: r.incomplete ?? 0,
  };
}

async function main(): Promise<void> {
  execFileSync('make', ['-C', ROOT, 'build'], { stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'h3edge-bench-cache-'));
  // nginx's workers run as nobody when the bench runs as root: they must reach the workload.
  chmodSync(work, 0o711);
  execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), join(work, 'certs')], { stdio: 'ignore' });
  const cert = join(work, 'certs/dev-cert.pem');
  const key = join(work, 'certs/dev-key.pem');
  const wl = makeWorkload(join(work, 'media'));
  const servers = [
    await startH3edge('h3edge-mmap', 'mmap', wl.dir, await freePort(), cert, key, work, 'native', SERVER_WORKERS),
    await startH3edge('h3edge-read', 'read', wl.dir, await freePort(), cert, key, work, 'native', SERVER_WORKERS),
    await startCaddy(wl.dir, await freePort(), cert, key, work),
    await startNginx(wl.dir, await freePort(), cert, key, work),
  ];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  const samples: Sample[] = [];
  try {
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const s of servers) {
        process.stderr.write(`bench cache: run ${rep + 1}/${REPEATS} ${s.name}\n`);
        samples.push(await measure(s, 'segments h2 (h2load)', () => h2load(s, wl.paths, work)));
        samples.push(await measure(s, 'small objects h2 (h2load)', () => h2load(s, wl.smallPaths, work, SMALL_REQUESTS)));
        if (s.http3 !== false) samples.push(await measure(s, 'segments h3 (gtlsclient)', () => gtlsclient(s, wl.paths, wl.sizes)));
        samples.push(await measure(s, 'ranges h2', () => randomRanges(s, wl.singleFile.path, wl.singleFile.size, readFileSync(cert))));
      }
    }
  } finally {
    await stopAll();
  }
  const rows = summarize(samples);
  const versions = {
    node: process.version,
    caddy: spawnSync('caddy', ['version'], { encoding: 'utf8' }).stdout.trim(),
    nginx: spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim(),
    h2load: spawnSync('h2load', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    gtlsclient: 'ngtcp2-client (Debian)',
    ...machine(),
  };
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'cache.json'), JSON.stringify({ settings: { clientDownloads: CLIENT_DOWNLOADS_IN, repeats: REPEATS, requests: REQUESTS, rangeRequests: RANGE_REQUESTS, smallRequests: SMALL_REQUESTS, quick, nginxWorkers: NGINX_WORKERS, h3edgeWorkers: SERVER_WORKERS }, versions, samples, medians: rows }, null, 2));
  const md = table(rows);
  writeFileSync(join(out, 'cache.md'), md);
  process.stdout.write(md);
}

function summarize(samples: Sample[]): Row[] {
  const rows = medians(samples);
  return rows.map((r) => ({ ...r, vsCaddy: ratioTo(rows, r, 'caddy'), vsNginx: ratioTo(rows, r, 'nginx') }));
}

interface Row extends Sample {
  vsCaddy: number;
  /** 0 where nginx did not run the workload (HTTP/3). */
  vsNginx: number;
}

function table(rows: Row[]): string {
  const lines = [
    '| workload | server | req/s | MB/s | CPU s per GB | RSS MB | req/s vs Caddy | req/s vs nginx | incomplete (all runs) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.workload} | ${r.server} | ${r.reqPerSec} | ${r.mbPerSec} | ${r.cpuSecPerGB} | ${r.rssMB} | ${r.vsCaddy}× | ${r.vsNginx ? `${r.vsNginx}×` : '—'} | ${r.incomplete} |`),
  ];
  return `${lines.join('\n')}\n`;
}

await main();
