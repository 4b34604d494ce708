import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { Parser as M3u8Parser } from 'm3u8-parser';
import { filesToWarm } from '../src/cache/warm-list.js';
import { children, findBox, readBoxes, type Box } from '../src/media/isobmff.js';
import { packageTitle } from '../src/media/package-title.js';
import { rewriteDashMpd } from '../src/media/rewrite/dash-mpd.js';
import { rewriteHlsMaster } from '../src/media/rewrite/hls-master.js';
import { segmentSpans, vttSamples } from '../src/media/text-samples.js';
import { startTestServer } from './helpers/server.js';
import { scratchDir } from './helpers/scratch.js';

const run = promisify(execFile);
const root = scratchDir('h3edge-text-');
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['AdaptationSet', 'Representation', 'S'].includes(n) });

// 7 s in 2 s segments (2 + 2 + 2 + 1): the generated cues (every 3 s from 0.5 s, 2.5 s long)
// cross segment boundaries, so clipping and repeats are exercised.
async function pack(name: string, singleFile: boolean): Promise<string> {
  const outDir = join(root, name);
  await packageTitle({
    input: 'lavfi:testsrc2',
    outDir,
    singleFile,
    segmentSeconds: 2,
    languages: ['en', 'fr'],
    ladder: [
      { height: 90, bitrateKbps: 100 },
      { height: 180, bitrateKbps: 300 },
    ],
    synthetic: { width: 320, height: 180, fps: 25, durationSec: 7 },
    cueLabel: 'Text',
  });
  return outDir;
}

function parseM3u8(path: string) {
  const parser = new M3u8Parser();
  parser.push(readFileSync(path, 'utf8'));
  parser.end();
  return parser.manifest;
}

/** Every moof of a track file or segment: tfdt start and its samples' durations and bytes. */
function fragments(buf: Buffer): Array<{ decodeTime: number; samples: Array<{ duration: number; data: Buffer }> }> {
  const top = readBoxes(buf);
  return top.flatMap((moof, i) => {
    if (moof.type !== 'moof') return [];
    const mdat = top[i + 1] as Box;
    const traf = findBox(buf, ['traf'], moof);
    const tfdt = findBox(buf, ['tfdt'], traf);
    const trun = findBox(buf, ['trun'], traf);
    const count = buf.readUInt32BE(trun.payload + 4);
    let at = moof.start + buf.readInt32BE(trun.payload + 8);
    const samples = [];
    for (let s = 0; s < count; s++) {
      const duration = buf.readUInt32BE(trun.payload + 12 + s * 8);
      const size = buf.readUInt32BE(trun.payload + 16 + s * 8);
      samples.push({ duration, data: buf.subarray(at, at + size) });
      at += size;
    }
    if (at !== mdat.end) throw new Error(`samples end at ${at}, the mdat at ${mdat.end}`);
    return [{ decodeTime: Number(buf.readBigUInt64BE(tfdt.payload + 4)), samples }];
  });
}

function sampleEntry(init: Buffer): { entry: Box; handler: string; timescale: number; language: string } {
  const trak = findBox(init, ['moov', 'trak']);
  const hdlr = findBox(init, ['mdia', 'hdlr'], trak);
  const mdhd = findBox(init, ['mdia', 'mdhd'], trak);
  const stsd = findBox(init, ['mdia', 'minf', 'stbl', 'stsd'], trak);
  const packed = init.readUInt16BE(mdhd.payload + 20);
  const language = [10, 5, 0].map((shift) => String.fromCharCode(((packed >> shift) & 0x1f) + 0x60)).join('');
  return { entry: children(init, stsd, 8)[0] as Box, handler: init.toString('latin1', hdlr.payload + 8, hdlr.payload + 12), timescale: init.readUInt32BE(mdhd.payload + 12), language };
}

t.test('WebVTT samples tile a segment: cue, gap and overlap each get their own sample', async (t) => {
  const cues = [
    { startSec: 0.5, endSec: 3, lines: ['a'] },
    { startSec: 2.5, endSec: 5, lines: ['b'] },
  ];
  t.same(segmentSpans([0, 2, 4], 5), [
    { startMs: 0, endMs: 2000 },
    { startMs: 2000, endMs: 4000 },
    { startMs: 4000, endMs: 5000 },
  ]);
  const samples = vttSamples(cues, { startMs: 2000, endMs: 4000 });
  t.same(
    samples.map((s) => [s.startMs, s.endMs, s.cues.map((c) => c.lines[0]).join('+')]),
    [
      [2000, 2500, 'a'],
      [2500, 3000, 'a+b'],
      [3000, 4000, 'b'],
    ],
  );
  t.same(vttSamples(cues, { startMs: 5000, endMs: 6000 }).map((s) => s.cues.length), [0], 'a span without cues is one empty sample');
});

t.test('segmented title: IMSC1 and WebVTT CMAF tracks aligned with video, HLS WebVTT segments', async (t) => {
  const dir = await pack('seg', false);
  const mpd = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD;
  const sets = mpd.Period.AdaptationSet as any[];
  const videoTimeline = sets[0].Representation[0].SegmentTemplate;
  const videoStartsMs: number[] = [];
  let tick = 0;
  for (const s of videoTimeline.SegmentTimeline.S) {
    if (s.t !== undefined) tick = Number(s.t);
    for (let r = 0; r <= Number(s.r ?? 0); r++, tick += Number(s.d)) videoStartsMs.push(Math.round((tick * 1000) / Number(videoTimeline.timescale)));
  }
  t.same(videoStartsMs, [0, 2000, 4000, 6000], 'video: 2 s segments');
  const text = sets.filter((s) => s.contentType === 'text');
  t.same(
    text.map((s) => `${s.lang} ${s.Representation[0].codecs}`),
    ['en stpp.ttml.im1t', 'en wvtt', 'fr stpp.ttml.im1t', 'fr wvtt'],
    'per language: an IMSC1 then a WebVTT AdaptationSet',
  );
  for (const set of text) {
    const rep = set.Representation[0];
    const tpl = rep.SegmentTemplate;
    t.equal(set.mimeType, 'application/mp4');
    t.equal(set.Role.value, 'subtitle');
    t.equal(tpl.timescale, '1000');
    const init = readFileSync(join(dir, tpl.initialization));
    const { entry, handler, timescale, language } = sampleEntry(init);
    t.equal(timescale, 1000);
    t.equal(language, set.lang === 'en' ? 'eng' : 'fra', 'mdhd language');
    const codec = rep.codecs === 'wvtt' ? 'wvtt' : 'stpp';
    t.equal(entry.type, codec, `${rep.id}: ${codec} sample entry`);
    t.equal(handler, codec === 'stpp' ? 'subt' : 'text', `${rep.id}: handler`);
    if (codec === 'stpp') t.match(init.toString('utf8', entry.payload + 8, entry.end), /^http:\/\/www\.w3\.org\/ns\/ttml\0/, 'TTML namespace');
    else {
      const vttC = children(init, entry, 8).find((b) => b.type === 'vttC') as Box;
      t.equal(init.toString('utf8', vttC.payload, vttC.end), 'WEBVTT', 'vttC holds the WebVTT header');
    }

    const segments = videoStartsMs.map((_, i) => readFileSync(join(dir, tpl.media.replace('$Number$', String(i + 1)))));
    t.same(
      segments.map((s) => fragments(s)[0]?.decodeTime),
      videoStartsMs,
      `${rep.id}: one segment per video segment, starting at the same instants`,
    );
    for (const [i, seg] of segments.entries()) {
      const total = fragments(seg)[0]?.samples.reduce((n, s) => n + s.duration, 0);
      t.equal(total, (videoStartsMs[i + 1] ?? 7000) - (videoStartsMs[i] as number), `${rep.id} segment ${i + 1} covers its span`);
    }
    // Segment 2 (2–4 s): the end of cue 1 (to 3 s), a gap, the start of cue 2 (from 3.5 s).
    const second = fragments(segments[1] as Buffer)[0]?.samples ?? [];
    const tag = set.lang.toUpperCase();
    if (codec === 'wvtt') {
      t.same(second.map((s) => s.duration), [1000, 500, 500]);
      t.same(
        second.map((s) => s.data.toString('latin1', 4, 8)),
        ['vttc', 'vtte', 'vttc'],
      );
      const payl = (s: Buffer): string => s.toString('utf8', 16, s.length);
      t.match(payl(second[0]?.data as Buffer), new RegExp(`^Text · ${tag} 1\\n`));
      t.match(payl(second[2]?.data as Buffer), new RegExp(`^Text · ${tag} 2\\n`));
    } else {
      t.equal(second.length, 1, 'one IMSC1 document per segment');
      const doc = second[0]?.data.toString('utf8') ?? '';
      t.match(doc, new RegExp(`<p begin="00:00:02\\.000" end="00:00:03\\.000">Text · ${tag} 1<br/>`), 'cue 1 clipped to the segment, on the media timeline');
      t.match(doc, new RegExp(`<p begin="00:00:03\\.500" end="00:00:04\\.000">Text · ${tag} 2<br/>`));
      t.match(doc, /ttp:profile="http:\/\/www\.w3\.org\/ns\/ttml\/profile\/imsc1\/text"/);
    }
  }

  const master = parseM3u8(join(dir, 'master.m3u8'));
  for (const s of Object.values(master.mediaGroups.SUBTITLES.subs) as any[]) {
    const media = parseM3u8(join(dir, s.uri));
    t.equal(media.segments.length, videoStartsMs.length, `${s.language}: a WebVTT segment per video segment`);
    t.same(media.segments.map((x: any) => x.duration), [2, 2, 2, 1]);
    for (const seg of media.segments) {
      const vtt = readFileSync(join(dir, posix.dirname(s.uri), seg.uri), 'utf8');
      t.match(vtt, /^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00\.000\n\n/, `${seg.uri}: header and timestamp map`);
    }
    const third = readFileSync(join(dir, posix.dirname(s.uri), media.segments[1].uri), 'utf8');
    t.match(third, /00:00:00\.500 --> 00:00:03\.000/, 'a cue crossing into the segment is repeated whole');
    t.match(third, /00:00:03\.500 --> 00:00:06\.000/);
  }
  t.ok(existsSync(join(dir, 'subs/en.vtt')) && existsSync(join(dir, 'subs/en.ttml')), 'whole-title sidecars kept');
  const warm = (await filesToWarm(root)).map((p) => p.slice(dir.length + 1)).filter((p) => p.startsWith('subs/en/'));
  t.same(warm.sort(), ['subs/en/stpp/init.mp4', 'subs/en/vtt/index.m3u8', 'subs/en/wvtt/init.mp4'], 'the cache warms text init segments and playlists');
});

t.test("a session's rewritten manifests keep the text tracks and their URLs", async (t) => {
  const dir = join(root, 'seg');
  const protection = { kid: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', scheme: 'cenc' as const, clearKeyUrl: 'https://api/v1/license/clearkey?session=s' };
  const mpd = rewriteDashMpd(readFileSync(join(dir, 'manifest.mpd'), 'utf8'), { limit: { maxHeight: 90, maxBandwidth: 1e9 }, protection });
  const sets = xml.parse(mpd).MPD.Period.AdaptationSet as any[];
  const text = sets.filter((s) => s.contentType === 'text');
  t.equal(text.length, 4, 'text AdaptationSets survive a rendition limit');
  for (const set of text) {
    t.notOk(set.ContentProtection, `${set.Representation[0].id}: text is clear, no ContentProtection`);
    const tpl = set.Representation[0].SegmentTemplate;
    t.ok(existsSync(join(dir, tpl.initialization)) && existsSync(join(dir, tpl.media.replace('$Number$', '4'))), `${set.Representation[0].id}: URLs resolve`);
  }
  t.ok(sets.find((s) => s.contentType === 'video').ContentProtection, 'video is signalled');
  const master = rewriteHlsMaster(readFileSync(join(dir, 'master.m3u8'), 'utf8'), { maxHeight: 90, maxBandwidth: 1e9 }, undefined, protection);
  t.equal(master.match(/#EXT-X-MEDIA:TYPE=SUBTITLES.*URI="subs\/(en|fr)\/vtt\/index\.m3u8"/g)?.length, 2, 'subtitle renditions kept');
  t.match(master, /SUBTITLES="subs"/);
});

t.test('single-file title: one CMAF text file with a sidx per format, WebVTT segments for HLS', async (t) => {
  const dir = await pack('single', true);
  const mpd = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD;
  t.equal(mpd.profiles, 'urn:mpeg:dash:profile:isoff-on-demand:2011');
  const text = (mpd.Period.AdaptationSet as any[]).filter((s) => s.contentType === 'text');
  t.same(text.map((s) => s.Representation[0].BaseURL), ['subs/en/stpp.mp4', 'subs/en/wvtt.mp4', 'subs/fr/stpp.mp4', 'subs/fr/wvtt.mp4']);
  for (const set of text) {
    const rep = set.Representation[0];
    const file = readFileSync(join(dir, rep.BaseURL));
    const [from, to] = String(rep.SegmentBase.indexRange).split('-').map(Number) as [number, number];
    t.equal(file.toString('latin1', from + 4, from + 8), 'sidx', `${rep.id}: indexRange is the sidx`);
    t.equal(file.readUInt32BE(from), to - from + 1);
    t.equal(file.readUInt16BE(from + 38), 4, 'a reference per video segment');
    t.same(fragments(file).map((f) => f.decodeTime), [0, 2000, 4000, 6000]);
  }
  const master = parseM3u8(join(dir, 'master.m3u8'));
  for (const s of Object.values(master.mediaGroups.SUBTITLES.subs) as any[]) {
    t.equal(parseM3u8(join(dir, s.uri)).segments.length, 4, `${s.language}: segmented WebVTT for HLS`);
  }
});

t.test('ffmpeg reads HLS and DASH of both titles from a running node, text included', async (t) => {
  const server = await startTestServer({ media: root, logLevel: 'warn' });
  t.teardown(() => server.close());
  // The certificate is not under test here: ffmpeg (GnuTLS) is told not to verify it.
  const ff = (tool: 'ffmpeg' | 'ffprobe', ...args: string[]) => run(tool, ['-v', 'error', '-tls_verify', '0', ...args], { maxBuffer: 1 << 24, timeout: 120_000 });
  const streams = async (url: string): Promise<string[]> => {
    // ffmpeg 5.1's HLS demuxer opens subtitle renditions only with -strict experimental.
    const { stdout } = await ff('ffprobe', '-strict', 'experimental', '-show_entries', 'stream=codec_type,codec_name,codec_tag_string:stream_tags=language', '-of', 'json', url);
    const list = (JSON.parse(stdout) as { streams: Array<{ codec_name?: string; codec_type: string; codec_tag_string: string; tags?: { language?: string } }> }).streams;
    return list.map((s) => [s.codec_name ?? 'unknown', s.codec_type, s.codec_tag_string, s.tags?.language ?? ''].join(',')).sort();
  };
  for (const name of ['seg', 'single']) {
    const base = `${server.origin}/content/${name}`;
    const dash = await streams(`${base}/manifest.mpd`);
    t.same(
      dash.filter((s) => s.startsWith('unknown,data')),
      ['unknown,data,stpp,en', 'unknown,data,stpp,fr', 'unknown,data,wvtt,en', 'unknown,data,wvtt,fr'],
      `${name} DASH: the four text tracks are streams (ffmpeg 5.1 has no stpp/wvtt decoder: data streams)`,
    );
    t.ok(dash.some((s) => s.startsWith('h264,video')) && dash.some((s) => s.startsWith('aac,audio')), `${name} DASH: video and audio`);
    const hls = await streams(`${base}/master.m3u8`);
    t.same(
      hls.filter((s) => s.includes('subtitle')).map((s) => s.replace(/,[^,]*,(\w+)$/, ',$1')),
      ['webvtt,subtitle,en', 'webvtt,subtitle,fr'],
      `${name} HLS: a WebVTT subtitle stream per language`,
    );
    // Decoding: every video and audio frame of the DASH presentation, and the English WebVTT of HLS as text.
    await ff('ffmpeg', '-i', `${base}/manifest.mpd`, '-map', '0:v', '-map', '0:a', '-f', 'null', '-');
    const vttOut = join(root, `${name}-en.vtt`);
    await ff('ffmpeg', '-y', '-strict', 'experimental', '-i', `${base}/master.m3u8`, '-map', '0:s:m:language:en', '-c:s', 'webvtt', vttOut);
    const vtt = readFileSync(vttOut, 'utf8');
    t.match(vtt, /00:0?3\.500 --> 00:0?6\.000\nText · EN 2\n/, `${name} HLS: cue 2 at 3.5 s after ffmpeg decodes the segments`);
    t.equal(vtt.match(/Text · EN 1\n/g)?.length, 1, `${name} HLS: the repeated cue is one cue`);
  }
});
