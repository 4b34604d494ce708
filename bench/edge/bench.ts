// "Player through an edge": a player 20 ms and 1 % loss away from an edge whose origin is 80 ms
// away (bench/lossy/edge-chain.ts), a cold title every run, startup and rebuffer time with the
// edge's CMCD prefetch on and off, over HTTP/2 and HTTP/3. Everything runs in the chain's
// namespaces: `cleanup` (also from a signal handler) removes all of it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { machine } from '../common/machine.js';
import { stopper, waitForOutput } from '../common/processes.js';
import { quicLibVersions } from '../common/quic-libs.js';
import { EDGE_ADDR, EdgeChain, ORIGIN_ADDR } from '../lossy/edge-chain.js';
import { buildRelay, removeStaleNamespaces } from '../lossy/link.js';
import { median } from '../lossy/stats.js';
import type { RelaySettings } from '../lossy/relay-process.js';

const ROOT = join(import.meta.dirname, '../..');
const TITLE = 'long-test-pattern';
const PORT = 8443;

export type EdgeBenchSize = 'full' | 'quick' | 'smoke';

export interface EdgeBenchPlan {
  size: EdgeBenchSize;
  repetitions: number;
  /** Media seconds each run plays before it is measured. */
  playSeconds: number;
  playerLink: RelaySettings;
  originLink: RelaySettings;
}

/** The conditions; the sizes differ in repetitions and how long each run plays. */
export function edgePlanFor(size: EdgeBenchSize): EdgeBenchPlan {
  const links = { playerLink: { rttMs: 20, lossPercent: 1, rateMbitPerSec: 50 }, originLink: { rttMs: 80, lossPercent: 0, rateMbitPerSec: 100 } };
  if (size === 'full') return { size, repetitions: 5, playSeconds: 20, ...links };
  if (size === 'quick') return { size, repetitions: 2, playSeconds: 10, ...links };
  return { size, repetitions: 1, playSeconds: 4, ...links };
}

/** One play of the cold title. */
export interface EdgePlayerSample {
  protocol: 'h2' | 'h3';
  prefetch: 'on' | 'off';
  repetition: number;
  /** Source handed to dash.js → first frame playing. */
  startupMs: number | null;
  /** Stalls after startup, until `playSeconds` played: their count and total time. */
  rebuffers: number;
  rebufferMs: number;
  /** Median time from request to last byte of the media segments after each track's first, as the page timed them. */
  segmentFetchMs: number | null;
  playedSeconds: number;
  /** Media segments the edge served after each track's first, by how it came by them. */
  segments: number;
  edgeHits: number;
  edgeJoined: number;
  edgeMisses: number;
  /** nextHopProtocol of the segments as the page saw them. */
  protocolsSeen: string[];
  errors: string[];
}

export interface EdgePlayerDoc {
  scenario: 'edge-player';
  settings: Record<string, unknown>;
  versions: Record<string, string | number>;
  samples: EdgePlayerSample[];
}

function progress(line: string): void {
  process.stderr.write(`bench edge: ${line}\n`);
}

/** Starts the run; `done` resolves with the markdown summary once edge-player.json is written to `outDir`. */
export function startEdgeBench(plan: EdgeBenchPlan, outDir: string): { done: Promise<string>; cleanup: () => void } {
  let chain: EdgeChain | undefined;
  const children: ChildProcess[] = [];
  const work = mkdtempSync(join(tmpdir(), 'h3edge-edge-bench-'));
  const cleanup = (): void => {
    for (const c of children) c.kill('SIGKILL');
    chain?.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  const done = (async () => {
    try {
      const library = join(ROOT, 'media', TITLE);
      if (!existsSync(join(library, 'manifest.mpd'))) throw new Error(`the demo library has no ${TITLE} (make demo)`);
      removeStaleNamespaces();
      chain = EdgeChain.create(process.pid, buildRelay(work));
      const certs = join(work, 'certs');
      execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), certs], { stdio: 'ignore', env: { ...process.env, EXTRA_SAN: `IP:${EDGE_ADDR},IP:${ORIGIN_ADDR}` } });
      const tokenKeys = join(work, 'tokens.json');
      writeFileSync(tokenKeys, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
      const originMedia = join(work, 'origin-media');
      cpSync(library, join(originMedia, TITLE), { recursive: true });
      const tls = ['--cert', join(certs, 'dev-cert.pem'), '--key', join(certs, 'dev-key.pem'), '--port', String(PORT)];
      const serve = (ns: 'edge' | 'origin', config: Record<string, unknown>, args: string[]): ChildProcess => {
        const file = join(work, `${ns}-${children.length}.json`);
        writeFileSync(file, JSON.stringify({ h3Engine: 'native', openContent: true, workers: 1, cdnProbeIntervalMs: 0, tokenKeys, ...config }));
        const [cmd, argv] = chain!.exec(ns, process.execPath, [join(ROOT, 'bin/h3edge.js'), 'serve', '--config', file, ...tls, ...args]);
        const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        return child;
      };
      const origin = serve('origin', { logLevel: 'warn' }, ['--host', ORIGIN_ADDR, '--media', originMedia]);
      await waitForOutput(origin, /serving/, 'origin', 30_000);
      await chain.configure(plan.playerLink, plan.originLink, 1);
      const browserWrapper = join(work, 'chromium-in-player-ns.sh');
      writeFileSync(browserWrapper, `#!/bin/sh\nexec ip netns exec ${chain.player} ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`);
      chmodSync(browserWrapper, 0o755);
      const spki = readFileSync(join(certs, 'spki.txt'), 'utf8').trim();
      const samples: EdgePlayerSample[] = [];
      for (let repetition = 1; repetition <= plan.repetitions; repetition++) {
        for (const protocol of ['h2', 'h3'] as const) {
          for (const prefetch of ['on', 'off'] as const) {
            const edgeMedia = join(work, `edge-${repetition}-${protocol}-${prefetch}`);
            mkdirSync(join(edgeMedia, 'player'), { recursive: true });
            copyFileSync(join(import.meta.dirname, 'player.html'), join(edgeMedia, 'player/player.html'));
            copyFileSync(join(ROOT, 'node_modules/dashjs/dist/modern/umd/dash.all.min.js'), join(edgeMedia, 'player/dash.all.min.js'));
            const edge = serve('edge', { logLevel: 'info', prefetchNextObject: prefetch === 'on', upstreamCa: join(certs, 'dev-ca.pem') }, [
              '--host',
              EDGE_ADDR,
              '--media',
              edgeMedia,
              '--upstream',
              `https://${ORIGIN_ADDR}:${PORT}`,
            ]);
            let log = '';
            edge.stdout?.on('data', (d) => (log += d));
            await waitForOutput(edge, /serving/, 'edge', 30_000);
            const sample = await playOnce({ plan, protocol, prefetch, repetition, browserWrapper, spki });
            await stopper(edge)();
            Object.assign(sample, countEdgeSegments(log));
            samples.push(sample);
            progress(
              `${repetition}/${plan.repetitions} ${protocol} prefetch ${prefetch}: startup ${sample.startupMs?.toFixed(0) ?? '-'} ms, ${sample.rebuffers} stalls ${sample.rebufferMs.toFixed(0)} ms, segments ${sample.segmentFetchMs?.toFixed(0) ?? '-'} ms (median), edge ${sample.edgeHits + sample.edgeJoined}/${sample.segments} hits`,
            );
          }
        }
      }
      const doc: EdgePlayerDoc = {
        scenario: 'edge-player',
        settings: {
          size: plan.size,
          repetitions: plan.repetitions,
          playSeconds: plan.playSeconds,
          playerLink: plan.playerLink,
          originLink: plan.originLink,
          title: `${TITLE} (demo library: 60 s, 4 s segments, 240p-720p, en audio)`,
          player: `dash.js ${readVersion('dashjs')}, stock ABR, CMCD v1 in the query argument`,
          browser: execFileSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim(),
          tcpCongestionControl: chain.tcpCongestionControl,
          quicCongestionControl: 'bbr2',
        },
        versions: { node: process.version, h3edge: gitHead(), h3edgeQuicLibs: `ngtcp2 ${quicLibVersions(ROOT).ngtcp2}, nghttp3 ${quicLibVersions(ROOT).nghttp3}`, ...machine() },
        samples,
      };
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'edge-player.json'), `${JSON.stringify(doc, null, 1)}\n`);
      const md = edgePlayerMarkdown(doc);
      writeFileSync(join(outDir, 'edge-player.md'), md);
      return md;
    } finally {
      cleanup();
    }
  })();
  return { done, cleanup };
}

/** One cold play in a fresh Chromium (no cache) in the player's namespace. */
async function playOnce(o: { plan: EdgeBenchPlan; protocol: 'h2' | 'h3'; prefetch: 'on' | 'off'; repetition: number; browserWrapper: string; spki: string }): Promise<EdgePlayerSample> {
  const origin = `${EDGE_ADDR}:${PORT}`;
  // h2: no QUIC at all (Chromium would otherwise move to h3 on the edge's Alt-Svc); h3: from the first request.
  const transport = o.protocol === 'h3' ? ['--enable-quic', `--origin-to-force-quic-on=${origin}`] : ['--disable-quic'];
  const browser = await chromium.launch({
    executablePath: o.browserWrapper,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required', `--ignore-certificate-errors-spki-list=${o.spki}`, ...transport],
  });
  const sample: EdgePlayerSample = { protocol: o.protocol, prefetch: o.prefetch, repetition: o.repetition, startupMs: null, rebuffers: 0, rebufferMs: 0, segmentFetchMs: null, playedSeconds: 0, segments: 0, edgeHits: 0, edgeJoined: 0, edgeMisses: 0, protocolsSeen: [], errors: [] };
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`https://${origin}/content/player/player.html?src=/content/${TITLE}/manifest.mpd`, { timeout: 60_000 });
    await page
      .waitForFunction((s) => (document.getElementById('v') as HTMLVideoElement).currentTime >= s || (window as unknown as { qoe: { errors: string[] } }).qoe.errors.length > 0, o.plan.playSeconds, { timeout: (o.plan.playSeconds * 3 + 60) * 1000, polling: 100 })
      .catch(() => undefined);
    const seen = await page.evaluate(() => {
      const w = window as unknown as { qoe: { startupMs: number | null; stalls: number[]; errors: string[] }; openStallMs(): number; segmentProtocols(): string[]; segmentFetchMs(): number[] };
      const open = w.openStallMs();
      return { ...w.qoe, open, played: (document.getElementById('v') as HTMLVideoElement).currentTime, protocols: w.segmentProtocols(), fetches: w.segmentFetchMs() };
    });
    const stalls = seen.open > 0 ? [...seen.stalls, seen.open] : seen.stalls;
    Object.assign(sample, {
      startupMs: seen.startupMs,
      rebuffers: stalls.length,
      rebufferMs: stalls.reduce((a, b) => a + b, 0),
      segmentFetchMs: seen.fetches.length > 0 ? median(seen.fetches) : null,
      playedSeconds: seen.played,
      protocolsSeen: seen.protocols,
      errors: seen.errors,
    });
  } finally {
    await browser.close();
  }
  return sample;
}

/** The edge's segment requests after each track's first, by the cache outcome on its access lines. */
function countEdgeSegments(log: string): Pick<EdgePlayerSample, 'segments' | 'edgeHits' | 'edgeJoined' | 'edgeMisses'> {
  const first = new Set<string>();
  const out = { segments: 0, edgeHits: 0, edgeJoined: 0, edgeMisses: 0 };
  for (const line of log.split('\n')) {
    if (!line.includes('"msg":"access"')) continue;
    const l = JSON.parse(line) as { path: string; status: number; cache?: string };
    const m = /\/content\/[^/]+\/((?:video|audio)\/[^/]+)\/seg-\d+\.m4s/.exec(l.path.split('?')[0] ?? '');
    if (!m || l.status >= 300) continue;
    if (!first.has(m[1] as string)) {
      first.add(m[1] as string);
      continue;
    }
    out.segments++;
    if (l.cache === 'hit' || l.cache === 'prefetched') out.edgeHits++;
    else if (l.cache === 'prefetching') out.edgeJoined++;
    else out.edgeMisses++;
  }
  return out;
}

/** Medians per protocol and prefetch setting, with the spread of the repetitions. */
export function edgePlayerMarkdown(doc: EdgePlayerDoc): string {
  const s = doc.settings as { playerLink: RelaySettings; originLink: RelaySettings; playSeconds: number; repetitions: number };
  const lines = [
    '# Player through an edge',
    '',
    `Player ↔ edge ${s.playerLink.rttMs} ms / ${s.playerLink.lossPercent} % loss / ${s.playerLink.rateMbitPerSec} Mbit/s; edge ↔ origin ${s.originLink.rttMs} ms / ${s.originLink.rateMbitPerSec} Mbit/s; a cold edge every run, ${s.playSeconds} s played, ${s.repetitions} repetitions (medians, min–max).`,
    '',
    '| protocol | prefetch | startup ms | rebuffer ms | stalls | segment fetch ms | edge hits after each track\'s first |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const protocol of ['h2', 'h3']) {
    for (const prefetch of ['on', 'off']) {
      const of = doc.samples.filter((x) => x.protocol === protocol && x.prefetch === prefetch);
      if (of.length === 0) continue;
      const range = (xs: number[]): string => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
      const startup = of.map((x) => x.startupMs ?? NaN).filter(Number.isFinite);
      const hits = of.reduce((n, x) => n + x.edgeHits + x.edgeJoined, 0);
      const segs = of.reduce((n, x) => n + x.segments, 0);
      const fetch = of.map((x) => x.segmentFetchMs ?? NaN).filter(Number.isFinite);
      lines.push(`| ${protocol} | ${prefetch} | ${startup.length ? range(startup) : '-'} | ${range(of.map((x) => x.rebufferMs))} | ${range(of.map((x) => x.rebuffers))} | ${fetch.length ? range(fetch) : '-'} | ${hits}/${segs} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function readVersion(pkg: string): string {
  return String((JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version);
}

function gitHead(): string {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', ROOT, 'status', '--porcelain'], { encoding: 'utf8' }).trim() ? '+dirty' : '';
    return head + dirty;
  } catch {
    return 'unknown';
  }
}
