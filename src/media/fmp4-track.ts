import { describeSampleEntry, type SampleEntryInfo } from './codec-string.js';
import { MalformedMp4 } from './errors.js';
import { children, findBox, fullBoxHeader, readBoxes, type Box } from './isobmff.js';

/** One movie fragment (moof + mdat) of a single-track fMP4 file; byte offsets are absolute. */
export interface Fragment {
  start: number;
  end: number;
  /** tfdt baseMediaDecodeTime, in track timescale ticks. */
  decodeTime: number;
  /** Sum of sample durations, in track timescale ticks. */
  durationTicks: number;
  /** Whether the first sample is a sync sample (a segment must start with one). */
  startsWithSync: boolean;
}

/** What a track carries, from its handler: `vide`, `soun`, or `subt`/`text` (14496-30 text). */
export type TrackKind = 'video' | 'audio' | 'text';

const KIND_BY_HANDLER: Readonly<Record<string, TrackKind>> = { vide: 'video', soun: 'audio', subt: 'text', text: 'text' };

/** A single-track fragmented MP4 file as the packager sees it. */
export interface Fmp4Track extends SampleEntryInfo {
  kind: TrackKind;
  trackId: number;
  timescale: number;
  /** Byte length of ftyp + moov: the initialization segment. */
  initBytes: number;
  fragments: Fragment[];
}

// ISO/IEC 14496-12 §8.8.3.1: sample_is_non_sync_sample bit of the sample flags.
const NON_SYNC = 0x10000;

/**
 * Parses a CMAF track file as ffmpeg writes audio and video and buildTextTrack writes text (ftyp,
 * moov, then moof/mdat pairs; a trailing mfra is ignored). Requires one track and moof-relative
 * data offsets, because the packager moves the fragments into new files. Throws MalformedMp4
 * otherwise.
 */
export function readFmp4Track(buf: Buffer): Fmp4Track {
  const top = readBoxes(buf);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new MalformedMp4('no moov');
  const traks = children(buf, moov).filter((b) => b.type === 'trak');
  if (traks.length !== 1) throw new MalformedMp4(`expected one track, found ${traks.length}`);
  const trak = traks[0] as Box;
  const tkhd = findBox(buf, ['tkhd'], trak);
  const trackId = buf.readUInt32BE(tkhd.payload + (fullBoxHeader(buf, tkhd).version === 1 ? 20 : 12));
  const mdhd = findBox(buf, ['mdia', 'mdhd'], trak);
  const timescale = buf.readUInt32BE(mdhd.payload + (fullBoxHeader(buf, mdhd).version === 1 ? 20 : 12));
  const hdlr = findBox(buf, ['mdia', 'hdlr'], trak);
  const handler = buf.toString('latin1', hdlr.payload + 8, hdlr.payload + 12);
  const kind = KIND_BY_HANDLER[handler];
  if (!kind) throw new MalformedMp4(`unsupported handler ${handler}`);
  const stsd = findBox(buf, ['mdia', 'minf', 'stbl', 'stsd'], trak);
  const entry = children(buf, stsd, 8)[0];
  if (!entry) throw new MalformedMp4('empty stsd');
  const trex = findBox(buf, ['mvex', 'trex'], moov);
  const defaults = { duration: buf.readUInt32BE(trex.payload + 12), flags: buf.readUInt32BE(trex.payload + 20) };
  const fragments: Fragment[] = [];
  for (let i = 0; i < top.length; i++) {
    const moof = top[i] as Box;
    if (moof.type !== 'moof') continue;
    const mdat = top[i + 1];
    if (!mdat || mdat.type !== 'mdat') throw new MalformedMp4(`moof at ${moof.start} not followed by mdat`);
    fragments.push({ start: moof.start, end: mdat.end, ...readFragmentTiming(buf, moof, defaults) });
  }
  if (fragments.length === 0) throw new MalformedMp4('no fragments');
  return {
    kind,
    trackId,
    timescale,
    initBytes: moov.end,
    fragments,
    ...describeSampleEntry(buf, entry),
  };
}

function readFragmentTiming(
  buf: Buffer,
  moof: Box,
  trex: { duration: number; flags: number },
): Omit<Fragment, 'start' | 'end'> {
  const traf = findBox(buf, ['traf'], moof);
  const tfhd = findBox(buf, ['tfhd'], traf);
  const tfhdFlags = fullBoxHeader(buf, tfhd).flags;
  if (tfhdFlags & 0x1) throw new MalformedMp4('tfhd base_data_offset would break when fragments move');
  // ISO/IEC 14496-12 §8.8.7: optional fields follow track_ID in flag order.
  let at = tfhd.payload + 8;
  if (tfhdFlags & 0x2) at += 4;
  let defaultDuration = trex.duration;
  let defaultFlags = trex.flags;
  if (tfhdFlags & 0x8) defaultDuration = buf.readUInt32BE((at += 4) - 4);
  if (tfhdFlags & 0x10) at += 4;
  if (tfhdFlags & 0x20) defaultFlags = buf.readUInt32BE(at);
  const tfdt = findBox(buf, ['tfdt'], traf);
  const decodeTime =
    fullBoxHeader(buf, tfdt).version === 1 ? Number(buf.readBigUInt64BE(tfdt.payload + 4)) : buf.readUInt32BE(tfdt.payload + 4);
  let durationTicks = 0;
  let startsWithSync: boolean | undefined;
  for (const trun of children(buf, traf).filter((b) => b.type === 'trun')) {
    const flags = fullBoxHeader(buf, trun).flags;
    const count = buf.readUInt32BE(trun.payload + 4);
    let p = trun.payload + 8 + (flags & 0x1 ? 4 : 0);
    let firstFlags: number | undefined;
    if (flags & 0x4) firstFlags = buf.readUInt32BE((p += 4) - 4);
    for (let s = 0; s < count; s++) {
      const duration = flags & 0x100 ? buf.readUInt32BE((p += 4) - 4) : defaultDuration;
      if (flags & 0x200) p += 4;
      const sampleFlags = flags & 0x400 ? buf.readUInt32BE((p += 4) - 4) : defaultFlags;
      if (flags & 0x800) p += 4;
      durationTicks += duration;
      if (startsWithSync === undefined) startsWithSync = ((s === 0 && firstFlags !== undefined ? firstFlags : sampleFlags) & NON_SYNC) === 0;
    }
  }
  return { decodeTime, durationTicks, startsWithSync: startsWithSync ?? false };
}

/**
 * Folds a last fragment shorter than `minTicks` into the one before it, so a stray trailing frame
 * (containers often report a duration a frame longer than the video) does not become a
 * one-frame segment with an absurd bitrate. A segment may hold several fragments (ISO/IEC
 * 23000-19 §7.3.2.2), and the two are adjacent in the file, so the merge is a byte-range union.
 */
export function mergeShortTail(track: Fmp4Track, minTicks: number): Fmp4Track {
  const last = track.fragments[track.fragments.length - 1];
  const prev = track.fragments[track.fragments.length - 2];
  if (!last || !prev || last.durationTicks >= minTicks || prev.end !== last.start) return track;
  const merged: Fragment = { ...prev, end: last.end, durationTicks: prev.durationTicks + last.durationTicks };
  return { ...track, fragments: [...track.fragments.slice(0, -2), merged] };
}
