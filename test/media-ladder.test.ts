import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Parser as M3u8Parser } from 'm3u8-parser';
import { runPackage } from '../src/cli/commands/package.js';
import { InvalidLadder } from '../src/media/errors.js';
import { parseLadder } from '../src/media/ladder.js';
import type { Rendition } from '../src/media/packaged-title.js';
import { readPackageSummary } from '../src/media/package-summary.js';
import { keepPayingRungs } from '../src/media/rung-pruning.js';
import { TITLES } from '../scripts/demo-titles.js';
import { scratchDir } from './helpers/scratch.js';

const ROOT = join(import.meta.dirname, '..');
const root = scratchDir('h3edge-ladder-');
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['AdaptationSet', 'Representation'].includes(n) });

function rung(id: string, peakKbps: number, averageKbps = peakKbps * 0.95): Rendition {
  return {
    id,
    kind: 'video',
    codecs: 'avc1.64001f',
    timescale: 12800,
    height: Number.parseInt(id, 10),
    peakBitsPerSec: peakKbps * 1000,
    averageBitsPerSec: averageKbps * 1000,
    playlistUri: `video/${id}/index.m3u8`,
    init: { uri: `video/${id}/init.mp4` },
    segments: [],
  };
}

/** Heights and bandwidths of a title's variants (HLS) and video representations (DASH). */
function ladderOf(dir: string): { hls: Array<{ height: number; bandwidth: number; average: number }>; dash: Array<{ height: number; bandwidth: number }> } {
  const parser = new M3u8Parser();
  parser.push(readFileSync(join(dir, 'master.m3u8'), 'utf8'));
  parser.end();
  const hls = parser.manifest.playlists.map((p: { attributes: Record<string, any> }) => ({
    height: p.attributes.RESOLUTION.height as number,
    bandwidth: Number(p.attributes.BANDWIDTH),
    average: Number(p.attributes['AVERAGE-BANDWIDTH']),
  }));
  const sets = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD.Period.AdaptationSet as any[];
  const video = sets.find((s) => s.contentType === 'video');
  const dash = (video.Representation as any[]).map((r) => ({ height: Number(r.height), bandwidth: Number(r.bandwidth) }));
  return { hls, dash };
}

function assertRisingWithHeight(t: Test, dir: string, label: string): void {
  const { hls, dash } = ladderOf(dir);
  t.ok(hls.length >= 1 && dash.length === hls.length, `${label}: ${hls.length} variants, ${dash.length} representations`);
  const sortedHls = [...hls].sort((a, b) => a.height - b.height);
  const sortedDash = [...dash].sort((a, b) => a.height - b.height);
  for (let i = 1; i < sortedHls.length; i++) {
    const [lo, hi] = [sortedHls[i - 1]!, sortedHls[i]!];
    t.ok(hi.height > lo.height, `${label}: one variant per height`);
    t.ok(hi.bandwidth > lo.bandwidth, `${label}: BANDWIDTH ${hi.height}p ${hi.bandwidth} > ${lo.height}p ${lo.bandwidth}`);
    t.ok(hi.average > lo.average, `${label}: AVERAGE-BANDWIDTH ${hi.height}p ${hi.average} > ${lo.height}p ${lo.average}`);
  }
  for (let i = 1; i < sortedDash.length; i++) {
    const [lo, hi] = [sortedDash[i - 1]!, sortedDash[i]!];
    t.ok(hi.bandwidth > lo.bandwidth, `${label}: @bandwidth ${hi.height}p ${hi.bandwidth} > ${lo.height}p ${lo.bandwidth}`);
  }
}

t.test('a rung that costs no less than the one above, or barely less, is dropped with its reason', async (t) => {
  const audio = 130_000;
  const { kept, dropped } = keepPayingRungs([rung('240p', 450), rung('360p', 600), rung('540p', 1330), rung('720p', 826)], audio);
  t.same(
    kept.map((r) => r.id),
    ['240p', '360p', '720p'],
    '540p, dearer than 720p, goes',
  );
  t.same(dropped.map((d) => d.id), ['540p']);
  t.match(dropped[0]?.reason, /^540p: 1330 kb\/s, not below 720p's 826 kb\/s$/);

  const bars = keepPayingRungs([rung('240p', 9), rung('360p', 10), rung('540p', 12), rung('720p', 14)], audio);
  t.same(bars.kept.map((r) => r.id), ['720p'], 'a static picture needs one rung: the others save under 10 % with audio');
  t.equal(bars.dropped.length, 3);
  t.match(bars.dropped[2]?.reason, /^540p: 12 kb\/s, with audio only 1\.4 % below 720p's 14 kb\/s \(less than 10 %\)$/);

  const average = keepPayingRungs([rung('360p', 700, 690), rung('720p', 900, 650)], 0);
  t.same(average.kept.map((r) => r.id), ['720p'], 'a lower peak with a higher average does not pay either');

  const healthy = keepPayingRungs([rung('240p', 180), rung('360p', 360), rung('540p', 980), rung('720p', 2400)], audio);
  t.equal(healthy.dropped.length, 0, 'a rising ladder stays whole');
  t.same(keepPayingRungs([], audio), { kept: [], dropped: [] });
});

t.test('a ladder whose ceilings do not rise with height is refused', async (t) => {
  t.throws(() => parseLadder('240:400,360:300'), InvalidLadder);
  t.throws(() => parseLadder('720:3000,540:3000'), { message: /720p at 3000 kbps must be above 540p's 3000 kbps/ });
  t.same(parseLadder('360:800,240:400'), [
    { height: 240, bitrateKbps: 400 },
    { height: 360, bitrateKbps: 800 },
  ]);
});

// Each demo library source, packaged short with the default ladder: whatever the picture, the
// bitrates that remain rise with height, and what was dropped is said and gone.
for (const source of [...new Set(TITLES.map((d) => d.source))]) {
  t.test(`${source}: bitrates rise with height in master.m3u8 and the MPD`, async (t) => {
    const out = join(root, source.replace(':', '-'));
    let stdout = '';
    const io = { stdout: { write: (c: string) => ((stdout += c), true) }, stderr: { write: () => true } } as unknown as Parameters<typeof runPackage>[1];
    const code = await runPackage([source, '--out', out, '--duration', '8', '--size', '1280x720', '--languages', 'en,fr'], io);
    t.equal(code, 0);
    assertRisingWithHeight(t, out, source);
    const summary = await readPackageSummary(out);
    const kept = summary?.video.map((v) => v.id) ?? [];
    t.equal(kept.at(-1), '720p', 'the top rung always stays');
    const dropped = summary?.droppedRenditions ?? [];
    t.same([...kept, ...dropped.map((d) => d.id)].sort(), ['240p', '360p', '540p', '720p'].sort(), 'every rung is either kept or dropped with a reason');
    for (const d of dropped) {
      t.match(stdout, `dropped ${d.reason}\n`, `the CLI prints ${d.id}'s line`);
      t.notOk(existsSync(join(out, 'video', d.id)), `${d.id}'s files are gone`);
    }
    t.same(readdirSync(join(out, 'video')).sort(), [...kept].sort(), 'only kept rungs on disk');
    t.comment(`${source}: kept ${kept.join(' ')}; ${dropped.map((d) => d.reason).join('; ') || 'nothing dropped'}`);
  });
}

t.test('the demo library: every title ladder rises with height', async (t) => {
  const library = join(ROOT, 'media');
  // Packages what is missing or stale (a no-op when `make setup` has built it).
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/make-demo-library.ts'), '--media', library], { stdio: 'ignore', timeout: 900_000 });
  for (const d of TITLES) assertRisingWithHeight(t, join(library, d.id), d.id);
});
