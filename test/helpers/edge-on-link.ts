// An origin and an edge as separate `h3edge serve` processes with the origin behind an emulated
// link (bench/lossy's relay; 80 ms RTT), and a real player in Chromium on the edge's side: the
// edge and the browser live in the link's client namespace, the origin in its server namespace.
// Root only; namespaces, processes and files are removed at the test's teardown.
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkEmulator, SERVER_ADDR, buildRelay } from '../../bench/lossy/link.js';
import { startH3edgeInNetns } from '../../bench/lossy/servers.js';
import { stopper } from '../../bench/common/processes.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { launchChromium } from './browser.js';
import { H3EDGE } from './run.js';
import { scratchDir } from './scratch.js';

const ORIGIN_PORT = 8443;

/** The origin end of the link, ready for edges. */
export interface OriginBehindLink {
  link: LinkEmulator;
  certs: TestCerts;
  upstream: string;
  /** The token key file origin and edges share (the edge signs its upstream requests with it). */
  tokenKeys: string;
  work: string;
}

/** Starts the link (`rttMs`, loss-free, 100 Mbit/s) and an origin serving `media` behind it. */
export async function originBehindLink(t: Test, media: string, rttMs: number): Promise<OriginBehindLink> {
  const work = scratchDir('h3edge-edge-link-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => link.destroy());
  // The edge verifies the origin by the address it dials.
  const certs = makeTestCerts([`IP:${SERVER_ADDR}`]);
  const tokenKeys = join(work, 'tokens.json');
  writeFileSync(tokenKeys, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const origin = await startH3edgeInNetns(link.srv, ORIGIN_PORT, { media, cert: certs.certFile, key: certs.keyFile, work }, H3EDGE, { tokenKeys });
  t.teardown(() => origin.stop());
  await link.configure({ rttMs, lossPercent: 0, rateMbitPerSec: 100 }, 1);
  return { link, certs, upstream: `https://${SERVER_ADDR}:${ORIGIN_PORT}`, tokenKeys, work };
}

/** What a play through a cold edge came to, from the edge's access lines. */
export interface EdgePlay {
  /** Media segments requested after each track's first. */
  segments: number;
  /** …served from the edge's disk. */
  hits: number;
  /** …joined to a pull a CMCD hint had started (no upstream request for the player's). */
  joined: number;
  /** …pulled from the origin for the player's request. */
  misses: number;
  playedSeconds: number;
  wallSeconds: number;
  errors: string[];
  /** Every request the edge logged, `<cache outcome> <status> <path>`, for a failing test to show. */
  requests: string[];
}

/**
 * Starts a fresh edge (empty media directory) in the client namespace, plays `titleId` with
 * `player` (its top rendition, CMCD in the query argument when `cmcd`) in Chromium beside it
 * until `playSeconds` played, and sorts the edge's segment requests by where it found them.
 */
export async function playThroughEdge(t: Test, origin: OriginBehindLink, opts: { player: 'hls' | 'dash'; titleId: string; playerDir: string; cmcd: boolean; playSeconds: number }): Promise<EdgePlay> {
  const started = Date.now();
  const edgeMedia = scratchDir('h3edge-edge-cold-');
  const port = 9443;
  const config = join(origin.work, `edge-${opts.cmcd ? 'cmcd' : 'plain'}.json`);
  writeFileSync(config, JSON.stringify({ openContent: true, logLevel: 'info', workers: 1, prefetchNextObject: true, cdnProbeIntervalMs: 0, tokenKeys: origin.tokenKeys }));
  const args = ['serve', '--config', config, '--host', '127.0.0.1', '--port', String(port), '--media', edgeMedia, '--cert', origin.certs.certFile, '--key', origin.certs.keyFile, '--upstream', origin.upstream, '--upstream-ca', origin.certs.caFile];
  const edge = spawn('ip', ['netns', 'exec', origin.link.cli, process.execPath, ...H3EDGE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stopEdge = stopper(edge);
  t.teardown(stopEdge);
  let log = '';
  edge.stdout.on('data', (d) => (log += d));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    edge.stderr.on('data', (d) => {
      err += d;
      if (/serving/.test(err)) resolve();
    });
    edge.once('exit', (code) => reject(new Error(`edge exited (${code}): ${err.slice(-400)}`)));
  });
  // The page and the players come from the edge's own media directory (they are no part of the title).
  cpSync(opts.playerDir, join(edgeMedia, 'player'), { recursive: true });
  const wrapper = join(origin.work, 'chromium-in-netns.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${origin.link.cli} ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const browser = await launchChromium({ port, spki: origin.certs.spki, host: '127.0.0.1', executablePath: wrapper });
  let played = 0;
  let errors: string[] = [];
  try {
    const page = await browser.context.newPage();
    const manifest = opts.player === 'dash' ? 'manifest.mpd' : 'master.m3u8';
    await page.goto(`https://127.0.0.1:${port}/content/player/cmcd.html?player=${opts.player}&top=1&cmcd=${opts.cmcd ? 'query' : 'off'}&src=/content/${opts.titleId}/${manifest}`);
    await page.waitForFunction(
      (s) => (document.getElementById('v') as HTMLVideoElement).currentTime > s || (window as unknown as { errors: string[] }).errors.length > 0,
      opts.playSeconds,
      { timeout: 90_000, polling: 250 },
    );
    played = await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    errors = await page.evaluate(() => (window as unknown as { errors: string[] }).errors);
  } finally {
    await browser.close();
  }
  await stopEdge();
  const lines = log
    .split('\n')
    .filter((l) => l.includes('"msg":"access"'))
    .map((l) => JSON.parse(l) as { path: string; cache?: string; status: number; durationMs: number; cmcd?: { nor?: string } });
  const firstOfTrack = new Set<string>();
  let segments = 0;
  let hits = 0;
  let joined = 0;
  let misses = 0;
  for (const l of lines) {
    const m = /\/content\/[^/]+\/((?:video|audio)\/[^/]+)\/seg-\d+\.m4s/.exec(l.path.split('?')[0] ?? '');
    if (!m || l.status >= 300) continue;
    const track = m[1] as string;
    if (!firstOfTrack.has(track)) {
      firstOfTrack.add(track);
      continue;
    }
    segments++;
    if (l.cache === 'hit' || l.cache === 'prefetched') hits++;
    else if (l.cache === 'prefetching') joined++;
    else misses++;
  }
  const requests = lines.map((l) => `${l.cache ?? '-'} ${l.status} ${l.path.split('?')[0]} ${l.durationMs} ms${l.cmcd?.nor ? ` nor=${l.cmcd.nor}` : ''}`);
  return { segments, hits, joined, misses, playedSeconds: played, wallSeconds: (Date.now() - started) / 1000, errors, requests };
}
