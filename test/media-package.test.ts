import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Parser as M3u8Parser } from 'm3u8-parser';
import { runPackage } from '../src/cli/commands/package.js';
import { scratchDir } from './helpers/scratch.js';

// A short synthetic title keeps the suite fast: 10 s at 25 fps, 4 s segments, a 4-rung ladder of
// small sizes, two languages. Segments are 4 + 4 + 2 s.
const DURATION_SEC = 10;
const SEGMENT_SEC = 4;
const LADDER = '144:150,180:200,240:300,288:400';
const root = scratchDir('h3edge-package-');
t.teardown(() => rmSync(root, { recursive: true, force: true }));

interface Packet {
  pts: number;
  dts: number;
  duration: number;
  keyframe: boolean;
}

async function pack(name: string, ...extra: string[]): Promise<string> {
  const out = join(root, name);
  const io = { stdout: sink(), stderr: sink() };
  const code = await runPackage(
    ['lavfi:testsrc2', '--out', out, '--duration', String(DURATION_SEC), '--size', '512x288', '--fps', '25', '--ladder', LADDER, ...extra],
    io,
  );
  if (code !== 0) throw new Error(`package exited ${code}: ${io.stderr.text}`);
  return out;
}

function sink(): NodeJS.WritableStream & { text: string } {
  const s = { text: '', write: (chunk: string | Buffer) => ((s.text += String(chunk)), true) };
  return s as unknown as NodeJS.WritableStream & { text: string };
}

function parseM3u8(path: string) {
  const parser = new M3u8Parser();
  parser.push(readFileSync(path, 'utf8'));
  parser.end();
  return parser.manifest;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['AdaptationSet', 'Representation', 'S'].includes(name) });

function probePackets(file: string): Packet[] {
  const csv = execFileSync('ffprobe', ['-v', 'error', '-select_streams', '0', '-show_entries', 'packet=pts,dts,duration,flags', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return csv
    .trim()
    .split('\n')
    .map((line) => {
      const [pts, dts, duration, flags] = line.split(',');
      return { pts: Number(pts), dts: Number(dts), duration: Number(duration), keyframe: (flags ?? '').startsWith('K') };
    });
}

function probeStream(file: string): { codec: string; timeBase: string } {
  const [codec, timeBase] = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,time_base', '-of', 'csv=p=0', file], { encoding: 'utf8' })
    .trim()
    .split(',');
  return { codec: codec ?? '', timeBase: timeBase ?? '' };
}

t.test('segmented title: HLS parsed by m3u8-parser', async (t) => {
  const dir = await pack('seg');
  const master = parseM3u8(join(dir, 'master.m3u8'));
  t.equal(master.playlists.length, 4, 'four variants');
  for (const v of master.playlists) {
    t.match(v.attributes.CODECS, /^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/, 'real codec strings');
    t.ok(v.attributes.RESOLUTION.width > 0 && v.attributes.RESOLUTION.height > 0, 'resolution');
    t.ok(v.attributes.BANDWIDTH > v.attributes['AVERAGE-BANDWIDTH'] * 0.5, 'bandwidth');
    t.equal(v.attributes.AUDIO, 'audio');
    t.equal(v.attributes.SUBTITLES, 'subs');
    t.notMatch(v.uri, /^(\/|[a-z]+:)/, 'relative variant uri');
  }
  t.same(master.playlists.map((v: { attributes: { RESOLUTION: { height: number } } }) => v.attributes.RESOLUTION.height), [144, 180, 240, 288]);
  const audio = master.mediaGroups.AUDIO.audio;
  t.same(Object.values(audio).map((a: any) => a.language).sort(), ['en', 'fr'], 'an audio rendition per language');
  t.equal(Object.values(audio).filter((a: any) => a.default).length, 1, 'exactly one default audio');
  const subs = master.mediaGroups.SUBTITLES.subs;
  t.same(Object.values(subs).map((s: any) => s.language).sort(), ['en', 'fr'], 'a subtitle track per language');

  const mediaUris = [...master.playlists.map((p: any) => p.uri), ...Object.values(audio).map((a: any) => a.uri)];
  for (const uri of mediaUris) {
    const media = parseM3u8(join(dir, uri));
    t.equal(media.version, 7, `${uri} version 7`);
    t.equal(media.playlistType, 'VOD');
    t.ok(media.endList, 'ENDLIST');
    t.equal(media.targetDuration, SEGMENT_SEC);
    t.equal(media.segments.length, Math.ceil(DURATION_SEC / SEGMENT_SEC), `${uri} segment count`);
    const total = media.segments.reduce((n: number, s: any) => n + s.duration, 0);
    t.ok(Math.abs(total - DURATION_SEC) < 0.1, `${uri} duration ${total}`);
    for (const s of media.segments) {
      t.ok(s.map?.uri, 'EXT-X-MAP on every segment');
      t.ok(existsSync(join(dir, dirname(uri), s.uri)), `${s.uri} exists`);
      t.ok(existsSync(join(dir, dirname(uri), s.map.uri)), 'init exists');
    }
  }
  for (const s of Object.values(subs) as any[]) {
    const media = parseM3u8(join(dir, s.uri));
    const vtt = readFileSync(join(dir, dirname(s.uri), media.segments[0].uri), 'utf8');
    t.match(vtt, /^WEBVTT\n/, 'subtitle playlist points at WebVTT');
  }
});

t.test('segmented title: MPD parsed by fast-xml-parser', async (t) => {
  const dir = join(root, 'seg');
  const mpd = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD;
  t.equal(mpd.type, 'static');
  t.equal(mpd.profiles, 'urn:mpeg:dash:profile:isoff-live:2011');
  const sets = mpd.Period.AdaptationSet as any[];
  const byType = (type: string) => sets.filter((s) => s.contentType === type);
  t.equal(byType('video').length, 1, 'one video AdaptationSet');
  t.same(byType('audio').map((s) => s.lang), ['en', 'fr'], 'one audio AdaptationSet per language');
  t.same(byType('text').map((s) => s.lang), ['en', 'en', 'fr', 'fr'], 'two text AdaptationSets (IMSC1, WebVTT) per language');
  for (const set of [...byType('video'), ...byType('audio'), ...byType('text')]) {
    for (const rep of set.Representation) {
      t.match(rep.codecs, /^(avc1\.64[0-9a-f]{4}|mp4a\.40\.2|stpp\.ttml\.im1t|wvtt)$/, `${rep.id} codecs`);
      t.ok(Number(rep.bandwidth) > 0, `${rep.id} bandwidth`);
      if (set.contentType === 'video') t.ok(Number(rep.width) > 0 && Number(rep.height) > 0, 'width/height');
      const tpl = rep.SegmentTemplate;
      const timescale = Number(tpl.timescale);
      const entries = tpl.SegmentTimeline.S as any[];
      const count = entries.reduce((n, s) => n + 1 + Number(s.r ?? 0), 0);
      const ticks = entries.reduce((n, s) => n + Number(s.d) * (1 + Number(s.r ?? 0)), 0);
      t.equal(count, Math.ceil(DURATION_SEC / SEGMENT_SEC), `${rep.id} segment count`);
      t.ok(Math.abs(ticks / timescale - DURATION_SEC) < 0.1, `${rep.id} timeline covers the duration`);
      t.notMatch(tpl.media, /^(\/|[a-z]+:)/, 'relative template');
      for (let n = 1; n <= count; n++) t.ok(existsSync(join(dir, tpl.media.replace('$Number$', String(n)))), `segment ${n} exists`);
      t.ok(existsSync(join(dir, tpl.initialization)), 'init exists');
    }
  }
  for (const set of byType('text')) t.equal(set.mimeType, 'application/mp4', 'text as CMAF tracks');
  for (const lang of ['en', 'fr']) {
    const ttml = xml.parse(readFileSync(join(dir, `subs/${lang}.ttml`), 'utf8'));
    t.equal(ttml.tt['ttp:profile'], 'http://www.w3.org/ns/ttml/profile/imsc1/text', 'IMSC1 text profile sidecar');
    t.equal(ttml.tt['xml:lang'], lang);
  }
});

t.test('segmented title: ffprobe sees aligned keyframes and continuous timestamps', async (t) => {
  const dir = join(root, 'seg');
  const scratch = join(root, 'probe');
  const mpd = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD;
  const starts = new Map<string, number[]>();
  for (const set of mpd.Period.AdaptationSet as any[]) {
    if (set.contentType === 'text') continue;
    for (const rep of set.Representation) {
      const tpl = rep.SegmentTemplate;
      const init = readFileSync(join(dir, tpl.initialization));
      const count = readdirSync(join(dir, posix.dirname(tpl.media))).filter((f) => f.endsWith('.m4s')).length;
      let expectedPts: number | undefined;
      let frameTicks = 0;
      for (let n = 1; n <= count; n++) {
        const file = `${scratch}-${rep.id}-${n}.mp4`;
        writeFileSync(file, Buffer.concat([init, readFileSync(join(dir, tpl.media.replace('$Number$', String(n))))]));
        if (n === 1) {
          const s = probeStream(file);
          t.equal(s.codec, set.contentType === 'video' ? 'h264' : 'aac', `${rep.id} codec`);
          t.equal(s.timeBase, `1/${tpl.timescale}`, `${rep.id} timescale matches the MPD`);
        }
        const packets = probePackets(file).sort((a, b) => a.dts - b.dts);
        const first = packets[0] as Packet;
        t.ok(first.keyframe, `${rep.id} segment ${n} starts with a keyframe`);
        const firstPts = Math.min(...packets.map((p) => p.pts));
        frameTicks = Math.max(frameTicks, ...packets.map((p) => p.duration).filter((d) => d > 0));
        if (expectedPts !== undefined) {
          t.ok(Math.abs(firstPts - expectedPts) <= frameTicks, `${rep.id} segment ${n} pts ${firstPts} continues ${expectedPts}`);
        }
        expectedPts = Math.max(...packets.map((p) => p.pts + (p.duration > 0 ? p.duration : frameTicks)));
        if (set.contentType === 'video') starts.set(`${rep.id}`, [...(starts.get(rep.id) ?? []), firstPts / Number(tpl.timescale)]);
      }
    }
  }
  const lists = [...starts.values()];
  t.equal(lists.length, 4);
  for (const l of lists) t.same(l, lists[0], 'segment start times identical across renditions');
});

t.test('single-file title: byte ranges and sidx address one file per rendition', async (t) => {
  const dir = await pack('single', '--single-file', '--languages', 'en,fr,de');
  const master = parseM3u8(join(dir, 'master.m3u8'));
  t.equal(Object.keys(master.mediaGroups.AUDIO.audio).length, 3, 'three audio languages');
  const mpd = xml.parse(readFileSync(join(dir, 'manifest.mpd'), 'utf8')).MPD;
  t.equal(mpd.profiles, 'urn:mpeg:dash:profile:isoff-on-demand:2011');
  for (const v of master.playlists) {
    const media = parseM3u8(join(dir, v.uri));
    const file = readFileSync(join(dir, dirname(v.uri), media.segments[0].uri));
    const map = media.segments[0].map;
    t.equal(map.byterange.offset, 0, 'init at offset 0');
    t.equal(file.toString('latin1', 4, 8), 'ftyp');
    let next = -1;
    for (const s of media.segments) {
      t.equal(s.uri, media.segments[0].uri, 'one file');
      if (next >= 0) t.equal(s.byterange.offset, next, 'ranges are contiguous');
      next = s.byterange.offset + s.byterange.length;
      t.equal(file.toString('latin1', s.byterange.offset + 4, s.byterange.offset + 8), 'moof', 'range starts at a moof');
      const piece = join(root, 'range.mp4');
      writeFileSync(piece, Buffer.concat([file.subarray(0, map.byterange.length), file.subarray(s.byterange.offset, next)]));
      t.ok(probePackets(piece).sort((a, b) => a.dts - b.dts)[0]?.keyframe, 'range decodes from a keyframe');
    }
    t.equal(next, file.length, 'ranges end at end of file');

    const rep = (mpd.Period.AdaptationSet as any[])[0].Representation.find((r: any) => r.BaseURL === posix.join(dirname(v.uri), media.segments[0].uri));
    t.ok(rep, 'MPD representation for the same file');
    const [from, to] = String(rep.SegmentBase.indexRange).split('-').map(Number) as [number, number];
    t.equal(file.toString('latin1', from + 4, from + 8), 'sidx', 'indexRange points at sidx');
    t.equal(file.readUInt32BE(from), to - from + 1, 'indexRange is exactly the sidx');
    const refCount = file.readUInt16BE(from + 8 + 4 + 4 + 4 + 8 + 8 + 2);
    t.equal(refCount, media.segments.length, 'sidx references every segment');
    t.equal(rep.SegmentBase.Initialization.range, `0-${map.byterange.length - 1}`);
  }
});
