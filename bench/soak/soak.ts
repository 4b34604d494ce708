// The soak: one node under mixed player traffic (HTTP/2, HTTP/1.1, HTTP/3; playlists, init and
// media segments, byte ranges, the playback API, artwork) at full rate on loopback, its heap
// after a forced GC, RSS and open descriptors sampled as it goes. A node that keeps something
// per request or per connection shows it as a heap slope (bytes per request).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inspector } from './inspector.js';
import { round, type RoundPlan, type Target } from './traffic.js';
import { announcedWithInspector, stopper } from '../common/processes.js';

export interface SoakOptions {
  /** The media directory (the demo library: long-test-pattern and signal-and-noise-s01e02). */
  media: string;
  certFile: string;
  keyFile: string;
  /** CA that signed the certificate (for the harness's own API requests). */
  caFile: string;
  /** Stops after this long… */
  durationMs: number;
  /** …or once this many HTTP/2 and HTTP/3 requests are done (both), whichever comes first. */
  untilRequests?: { h2: number; h3: number };
  sampleEveryMs: number;
  /** Requests of each kind per round. */
  plan: RoundPlan;
  /** How the node is started: [node, args…] before `serve`. */
  nodeCommand: string[];
  log?: (line: string) => void;
}

export interface SoakSample {
  tSec: number;
  requests: RoundPlan;
  totalRequests: number;
  heapUsedBytes: number;
  externalBytes: number;
  rssBytes: number;
  openFds: number;
}

export interface SoakAnalysis {
  /** Samples taken before the warm-up (a fifth of the run's requests) ended; left out below. */
  warmUpSamples: number;
  /** Least-squares slope of heap-after-GC over requests, after warm-up. */
  heapSlopeBytesPerRequest: number;
  /** Heap after GC at the end less at the end of warm-up. */
  heapGrowthBytes: number;
  /** (max − min) / median of RSS after warm-up, in percent. */
  rssSpreadPercent: number;
  openFdsMax: number;
}

export interface SoakResult {
  samples: SoakSample[];
  analysis: SoakAnalysis;
}

const TITLE = 'long-test-pattern';
const RANGE_TITLE = 'signal-and-noise-s01e02';

/** Starts the node, drives the traffic, samples; resolves with the samples and their analysis. */
export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const work = mkdtempSync(join(tmpdir(), 'h3edge-soak-'));
  const child = spawn(o.nodeCommand[0] as string, [...o.nodeCommand.slice(1), 'serve', '--workers', '1', '--host', '127.0.0.1', '--port', '0', '--media', o.media, '--cert', o.certFile, '--key', o.keyFile, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = stopper(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), o.durationMs + 600_000);
  let inspector: Inspector | undefined;
  try {
    const { port, inspectorUrl } = await announcedWithInspector(child, 60_000);
    inspector = await Inspector.connect(inspectorUrl);
    const target = await prepareTarget(port, o, work);
    const samples: SoakSample[] = [];
    const totals: RoundPlan = { h2: 0, http1: 0, ranges: 0, api: 0, h3: 0 };
    const begin = performance.now();
    const sample = async (): Promise<void> => {
      const heap = await (inspector as Inspector).heapAfterGc();
      const s: SoakSample = {
        tSec: Math.round((performance.now() - begin) / 100) / 10,
        requests: { ...totals },
        totalRequests: Object.values(totals).reduce((a, b) => a + b, 0),
        ...heap,
        rssBytes: rssOf(child.pid as number),
        openFds: readdirSync(`/proc/${child.pid}/fd`).length,
      };
      samples.push(s);
      log(`t=${s.tSec}s requests=${s.totalRequests} heap=${(s.heapUsedBytes / 1e6).toFixed(1)}MB rss=${(s.rssBytes / 1e6).toFixed(0)}MB fds=${s.openFds}`);
    };
    await sample();
    let nextSample = performance.now() + o.sampleEveryMs;
    const done = (): boolean =>
      performance.now() - begin >= o.durationMs || (o.untilRequests !== undefined && totals.h2 >= o.untilRequests.h2 && totals.h3 >= o.untilRequests.h3);
    while (!done()) {
      const got = await round(target, o.plan);
      for (const k of Object.keys(totals) as Array<keyof RoundPlan>) totals[k] += got[k];
      if (got.h2 + got.h3 === 0) throw new Error('the node answered no requests in a whole round');
      if (performance.now() >= nextSample || done()) {
        await sample();
        nextSample = performance.now() + o.sampleEveryMs;
      }
    }
    return { samples, analysis: analyse(samples) };
  } finally {
    inspector?.close();
    clearTimeout(killer);
    await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Starts two playback sessions (one per title) and lists what players fetch under their tokens. */
async function prepareTarget(port: number, o: SoakOptions, work: string): Promise<Target> {
  const session = http2.connect(`https://localhost:${port}`, { ca: readFileSync(o.caFile) });
  const start = (titleId: string): Promise<{ sessionId: string; token: string }> =>
    new Promise((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/v1/playback', 'content-type': 'application/json' });
      req.end(JSON.stringify({ profileId: 'soak-media', titleId, device: { platform: 'soak', maxHeight: 1080 } }));
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('error', reject);
      req.on('end', () => {
        const grant = JSON.parse(body) as { sessionId: string; manifestPaths: { hls: string } };
        resolve({ sessionId: grant.sessionId, token: grant.manifestPaths.hls.split('/')[1] as string });
      });
    });
  const film = await start(TITLE);
  const byteRange = await start(RANGE_TITLE);
  session.close();
  const under = (token: string, title: string, rel: string): string => `/t/${token}/content/${title}/${rel}`;
  const rendition = readdirSync(join(o.media, TITLE, 'video')).sort()[0] as string;
  const segments = readdirSync(join(o.media, TITLE, 'video', rendition)).filter((f) => f.endsWith('.m4s') || f.endsWith('.mp4') || f.endsWith('.m3u8'));
  const rangeFile = readdirSync(join(o.media, RANGE_TITLE, 'video')).find((f) => f.endsWith('.mp4')) as string;
  const apiBodyFile = join(work, 'playback.json');
  writeFileSync(apiBodyFile, JSON.stringify({ profileId: 'soak-api', titleId: TITLE, device: { platform: 'soak', maxHeight: 720 } }));
  const downloadDir = join(work, 'h3');
  return {
    port,
    mediaPaths: [
      under(film.token, TITLE, 'master.m3u8'),
      under(film.token, TITLE, 'manifest.mpd'),
      ...segments.map((f) => under(film.token, TITLE, `video/${rendition}/${f}`)),
      `/artwork/${TITLE}/16x9/640`,
    ],
    rangePath: under(byteRange.token, RANGE_TITLE, `video/${rangeFile}`),
    apiBodyFile,
    heartbeatPath: `/v1/playback/${film.sessionId}/heartbeat`,
    downloadDir,
  };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Heap slope and RSS spread after warm-up (the first fifth of the requests). */
export function analyse(samples: SoakSample[]): SoakAnalysis {
  const total = samples[samples.length - 1]?.totalRequests ?? 0;
  let warmUp = samples.findIndex((s) => s.totalRequests >= total / 5);
  if (warmUp < 1) warmUp = 1;
  const after = samples.slice(warmUp);
  const xs = after.map((s) => s.totalRequests);
  const ys = after.map((s) => s.heapUsedBytes);
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  const mx = mean(xs);
  const my = mean(ys);
  const sxx = xs.reduce((n, x) => n + (x - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : xs.reduce((n, x, i) => n + (x - mx) * ((ys[i] as number) - my), 0) / sxx;
  const rss = after.map((s) => s.rssBytes).sort((a, b) => a - b);
  const median = rss[Math.floor(rss.length / 2)] ?? 1;
  return {
    warmUpSamples: warmUp,
    heapSlopeBytesPerRequest: Math.round(slope * 100) / 100,
    heapGrowthBytes: (after[after.length - 1]?.heapUsedBytes ?? 0) - (after[0]?.heapUsedBytes ?? 0),
    rssSpreadPercent: Math.round((((rss[rss.length - 1] ?? 0) - (rss[0] ?? 0)) / median) * 1000) / 10,
    openFdsMax: Math.max(...samples.map((s) => s.openFds)),
  };
}
