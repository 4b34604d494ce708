import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MalformedMp4 } from './errors.js';
import type { Fmp4Track, TrackKind } from './fmp4-track.js';
import type { Rendition, SegmentRef } from './packaged-title.js';
import { buildSidx } from './sidx.js';

/** Which rendition a track file becomes and where under the title root it goes. */
export interface RenditionTarget {
  kind: TrackKind;
  id: string;
  /** Directory under the title root: `video`, `audio` or `subs/<lang>`. */
  group: string;
}

/**
 * Cuts a parsed CMAF track file into its delivery form under `titleDir` and describes it.
 * Segmented: `<group>/<id>/init.mp4` + `seg-N.m4s` (one fragment each, N from 1; a fragment may
 * be a merged run of adjacent ones, see mergeShortTail).
 * Single file: `<group>/<id>.mp4` = ftyp+moov, a `sidx` we build, then the fragments, so HLS can
 * address segments with EXT-X-BYTERANGE and DASH with SegmentBase@indexRange.
 * Every fragment must start with a sync sample; otherwise segments would not be independent.
 */
export async function writeRendition(
  buf: Buffer,
  track: Fmp4Track,
  titleDir: string,
  target: RenditionTarget,
  singleFile: boolean,
): Promise<Rendition> {
  if (track.kind !== target.kind) throw new MalformedMp4(`${target.id}: expected ${target.kind}, got ${track.kind}`);
  const bad = track.fragments.findIndex((f) => !f.startsWithSync);
  if (bad >= 0) throw new MalformedMp4(`${target.id}: fragment ${bad + 1} does not start with a keyframe`);
  const init = buf.subarray(0, track.initBytes);
  const pieces = singleFile ? await writeSingle(buf, track, titleDir, target) : await writeSegmented(buf, track, titleDir, target);
  const totalBytes = pieces.segments.reduce((n, s) => n + s.sizeBytes, 0);
  const totalSec = pieces.segments.reduce((n, s) => n + s.durationTicks, 0) / track.timescale;
  const peak = Math.max(...pieces.segments.map((s) => (s.sizeBytes * 8 * track.timescale) / Math.max(1, s.durationTicks)));
  return {
    id: target.id,
    kind: target.kind,
    codecs: track.codecs,
    timescale: track.timescale,
    width: track.width,
    height: track.height,
    channels: track.channels,
    sampleRate: track.sampleRate,
    peakBitsPerSec: Math.ceil(peak),
    averageBitsPerSec: Math.ceil((totalBytes * 8) / totalSec),
    ...pieces,
    init: { ...pieces.init, byteRange: singleFile ? { offset: 0, length: init.length } : undefined },
  };
}

type Pieces = Pick<Rendition, 'playlistUri' | 'init' | 'segments' | 'indexRange'>;

async function writeSegmented(buf: Buffer, track: Fmp4Track, titleDir: string, t: RenditionTarget): Promise<Pieces> {
  const dir = `${t.group}/${t.id}`;
  await mkdir(join(titleDir, dir), { recursive: true });
  await writeFile(join(titleDir, dir, 'init.mp4'), buf.subarray(0, track.initBytes));
  const segments: SegmentRef[] = [];
  for (const [i, f] of track.fragments.entries()) {
    const uri = `${dir}/seg-${i + 1}.m4s`;
    await writeFile(join(titleDir, uri), buf.subarray(f.start, f.end));
    segments.push({ uri, decodeTime: f.decodeTime, durationTicks: f.durationTicks, sizeBytes: f.end - f.start });
  }
  return { playlistUri: `${dir}/index.m3u8`, init: { uri: `${dir}/init.mp4` }, segments };
}

async function writeSingle(buf: Buffer, track: Fmp4Track, titleDir: string, t: RenditionTarget): Promise<Pieces> {
  const uri = `${t.group}/${t.id}.mp4`;
  const first = track.fragments[0];
  const sidx = buildSidx(
    track.trackId,
    track.timescale,
    first?.decodeTime ?? 0,
    track.fragments.map((f) => ({ sizeBytes: f.end - f.start, durationTicks: f.durationTicks })),
  );
  const parts = [buf.subarray(0, track.initBytes), sidx, ...track.fragments.map((f) => buf.subarray(f.start, f.end))];
  await mkdir(join(titleDir, t.group), { recursive: true });
  await writeFile(join(titleDir, uri), Buffer.concat(parts));
  let offset = track.initBytes + sidx.length;
  const segments = track.fragments.map((f): SegmentRef => {
    const length = f.end - f.start;
    const seg = { uri, byteRange: { offset, length }, decodeTime: f.decodeTime, durationTicks: f.durationTicks, sizeBytes: length };
    offset += length;
    return seg;
  });
  return {
    playlistUri: `${t.group}/${t.id}.m3u8`,
    init: { uri },
    segments,
    indexRange: { offset: track.initBytes, length: sidx.length },
  };
}
