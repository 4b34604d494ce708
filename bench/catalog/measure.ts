// One catalog size: start the node on the library, time it to /readyz 200, read its memory, then
// a steady load of each API request and of manifest fetches; the node is stopped afterwards.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { announcedWithInspector, stopper } from '../common/processes.js';
import { Inspector } from '../soak/inspector.js';
import { LoadClient, type LoadRequest, type LoadResult } from './load.js';
import { benchTitleId } from './library.js';

export interface CatalogNodeOptions {
  /** The command that runs h3edge with an inspector, e.g. [node, --inspect=127.0.0.1:0, bin/h3edge.js]. */
  nodeCommand: string[];
  media: string;
  titles: number;
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Requests of each kind, and how many at a time. */
  requests: number;
  concurrency: number;
  /** Where the node's config file goes. */
  work: string;
  /** Extra config keys (e.g. warm-up settings). */
  config?: Record<string, unknown>;
}

/** The kinds of request measured under load. */
export const LOAD_KINDS = ['home', 'homeWithHistory', 'title', 'playback', 'manifest'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface CatalogSample {
  titles: number;
  /** Why this size has no numbers (the node exited, never got ready); the fields below are then 0. */
  failed?: string;
  /** From spawning the node to its first `/readyz` 200. */
  readyMs: number;
  rssAfterReadyMB: number;
  heapAfterGcMB: number;
  rssAfterLoadMB: number;
  /** After the load: the catalog, the home rows and the sessions of 2,000 playback starts are in it. */
  heapAfterLoadMB: number;
  load: Record<LoadKind, LoadResult>;
}

/** Requests of each kind sent before the measured ones. */
export const WARMUP_REQUESTS = 300;

/** Profiles with watch history: the titles they watched, most recent last. */
const HISTORY_TITLES = 20;

export async function measureCatalog(o: CatalogNodeOptions): Promise<CatalogSample> {
  const config = join(o.work, 'node.json');
  writeFileSync(config, JSON.stringify({ openContent: true, workers: 1, logLevel: 'warn', cdnProbeIntervalMs: 0, ...o.config }));
  const started = performance.now();
  const child = spawn(o.nodeCommand[0] as string, [...o.nodeCommand.slice(1), 'serve', '--config', config, '--host', '127.0.0.1', '--port', '0', '--media', o.media, '--cert', o.certFile, '--key', o.keyFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = stopper(child);
  const killer = setTimeout(() => child.kill('SIGKILL'), 900_000);
  let inspector: Inspector | undefined;
  let client: LoadClient | undefined;
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the node exited (${code ?? signal}) ${Math.round((performance.now() - started) / 1000)} s after its start\n${stderr.slice(-1500)}`))));
  exited.catch(() => undefined);
  try {
    const { port, inspectorUrl } = await announcedWithInspector(child, 120_000);
    client = new LoadClient(`https://localhost:${port}`, readFileSync(o.caFile));
    const readyMs = await Promise.race([untilReady(client, started), exited]);
    const rssAfterReadyMB = rssMB(child.pid as number);
    inspector = await Inspector.connect(inspectorUrl);
    const heap = await inspector.heapAfterGc();
    await Promise.race([watchSome(client, 'bench-viewer', o.titles), exited]);
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const anyTitle = (): string => benchTitleId(Math.floor(random() * o.titles));
    const kinds: Record<LoadKind, { make: (i: number) => LoadRequest; expect: number }> = {
      home: { make: () => ({ method: 'GET', path: '/v1/home?profile=bench-new' }), expect: 200 },
      homeWithHistory: { make: () => ({ method: 'GET', path: '/v1/home?profile=bench-viewer' }), expect: 200 },
      title: { make: () => ({ method: 'GET', path: `/v1/titles/${anyTitle()}` }), expect: 200 },
      playback: {
        make: (i) => ({ method: 'POST', path: '/v1/playback', body: { profileId: `bench-load-${i}`, titleId: anyTitle(), device: { platform: 'bench', maxHeight: 720 } } }),
        expect: 200,
      },
      manifest: { make: () => ({ method: 'GET', path: `/content/${anyTitle()}/master.m3u8` }), expect: 200 },
    };
    // Unmeasured first: a fresh process runs its first few thousand requests through V8's
    // baseline tiers (a healthz-like request's p95 falls from ~6 to ~2 ms once they are optimised).
    for (const kind of LOAD_KINDS) await Promise.race([(client as LoadClient).load(WARMUP_REQUESTS, o.concurrency, (i) => kinds[kind].make(o.requests + i), kinds[kind].expect), exited]);
    const load = {} as Record<LoadKind, LoadResult>;
    for (const kind of LOAD_KINDS) load[kind] = await Promise.race([(client as LoadClient).load(o.requests, o.concurrency, kinds[kind].make, kinds[kind].expect), exited]);
    const rssAfterLoadMB = rssMB(child.pid as number);
    const heapAfterLoad = await inspector.heapAfterGc();
    return { titles: o.titles, readyMs: Math.round(readyMs), rssAfterReadyMB, heapAfterGcMB: round1(heap.heapUsedBytes / 1e6), rssAfterLoadMB, heapAfterLoadMB: round1(heapAfterLoad.heapUsedBytes / 1e6), load };
  } finally {
    client?.close();
    inspector?.close();
    clearTimeout(killer);
    await stop();
  }
}

/** Polls `/readyz` every 20 ms (a load balancer's view, sped up); ms since `since` at the first 200. */
async function untilReady(client: LoadClient, since: number): Promise<number> {
  for (let i = 0; i < 45_000; i++) {
    const r = await client.request({ method: 'GET', path: '/readyz' }).catch(() => null);
    if (r?.status === 200) return performance.now() - since;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error('the node was not ready within 15 minutes');
}

/** Plays HISTORY_TITLES titles spread over the catalog as `profile`: a start beacon and progress for each. */
async function watchSome(client: LoadClient, profile: string, titles: number): Promise<void> {
  for (let k = 0; k < HISTORY_TITLES; k++) {
    const titleId = benchTitleId(Math.floor((k * titles) / HISTORY_TITLES));
    const grant = await client.request({ method: 'POST', path: '/v1/playback', body: { profileId: profile, titleId, device: { platform: 'bench', maxHeight: 720 } } });
    if (grant.status !== 200) throw new Error(`playback of ${titleId}: ${grant.status} ${grant.body.toString().slice(0, 200)}`);
    const { sessionId } = JSON.parse(grant.body.toString()) as { sessionId: string };
    const events = [{ type: 'startup', ms: 400 }, { type: 'progress', positionSec: k % 2 === 0 ? 20 : 59, durationSec: 60 }];
    const beacon = await client.request({ method: 'POST', path: '/v1/qoe', body: { sessionId, events } });
    if (beacon.status !== 202) throw new Error(`beacon: ${beacon.status}`);
    await client.request({ method: 'DELETE', path: `/v1/playback/${sessionId}` });
  }
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
