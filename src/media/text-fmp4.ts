import { writeBox } from './isobmff.js';
import type { Language } from './languages.js';
import { cueText, formatImsc1, type Cue } from './subtitles.js';
import { cuesIn, vttSamples, type Span } from './text-samples.js';

/** The two CMAF text formats (ISO/IEC 14496-30): IMSC1 TTML (`stpp`) and WebVTT (`wvtt`). */
export type TextFormat = 'stpp' | 'wvtt';

/** Text tracks count time in milliseconds. */
export const TEXT_TIMESCALE = 1000;

const TRACK_ID = 1;

/**
 * Builds a whole single-track fragmented MP4 text track: ftyp + moov, then one moof + mdat per
 * span of `spans` (the video's segments, so text segments align with video). `stpp`: each
 * fragment holds one sample, an IMSC1 document with the cues of that span, clipped to it, on the
 * track's timeline (14496-30 §6: TTML times are media times). `wvtt`: samples of `vttc` cues and
 * `vtte` gaps tiling the span (14496-30 §7). The result is what ffmpeg writes for audio and video,
 * so the same code cuts it into segments or one file with a `sidx`.
 */
export function buildTextTrack(format: TextFormat, language: Language, cues: readonly Cue[], spans: readonly Span[]): Buffer {
  const parts = [ftyp(format), moov(format, language)];
  spans.forEach((span, i) => {
    const samples =
      format === 'stpp'
        ? [{ durationMs: span.endMs - span.startMs, data: Buffer.from(formatImsc1(cuesIn(cues, span), language.tag)) }]
        : vttSamples(cues, span).map((s) => ({ durationMs: s.endMs - s.startMs, data: vttSample(s.cues) }));
    parts.push(fragment(i + 1, span.startMs, samples));
  });
  return Buffer.concat(parts);
}

function ftyp(format: TextFormat): Buffer {
  // CMAF track brands: `im1t` for IMSC1 Text, `cwvt` for WebVTT (ISO/IEC 23000-19 §11).
  const brands = ['iso6', 'cmfc', format === 'stpp' ? 'im1t' : 'cwvt'];
  return writeBox('ftyp', Buffer.from('iso6', 'latin1'), u32(0), ...brands.map((b) => Buffer.from(b, 'latin1')));
}

function moov(format: TextFormat, language: Language): Buffer {
  const mvhd = fullBox('mvhd', 0, 0, u32(0), u32(0), u32(TEXT_TIMESCALE), u32(0), u32(0x00010000), u16(0x0100), Buffer.alloc(10), MATRIX, Buffer.alloc(24), u32(TRACK_ID + 1));
  const tkhd = fullBox('tkhd', 0, 0x3, u32(0), u32(0), u32(TRACK_ID), u32(0), u32(0), Buffer.alloc(8), u16(0), u16(0), u16(0), u16(0), MATRIX, u32(0), u32(0));
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(TEXT_TIMESCALE), u32(0), u16(packLanguage(language.iso6392)), u16(0));
  // 14496-30: TTML tracks are 'subt' with a subtitle media header, WebVTT tracks 'text' with a null one.
  const handler = format === 'stpp' ? 'subt' : 'text';
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from(handler, 'latin1'), Buffer.alloc(12), cstring(format === 'stpp' ? 'IMSC1 subtitles' : 'WebVTT subtitles'));
  const mediaHeader = format === 'stpp' ? fullBox('sthd', 0, 0) : fullBox('nmhd', 0, 0);
  const dinf = writeBox('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = writeBox(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry(format, language)),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const trak = writeBox('trak', tkhd, writeBox('mdia', mdhd, hdlr, writeBox('minf', mediaHeader, dinf, stbl)));
  const trex = fullBox('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0));
  return writeBox('moov', mvhd, trak, writeBox('mvex', trex));
}

function sampleEntry(format: TextFormat, language: Language): Buffer {
  const head = [Buffer.alloc(6), u16(1)]; // reserved, data_reference_index
  if (format === 'stpp') {
    // XMLSubtitleSampleEntry: namespace, schema_location, auxiliary_mime_types (14496-12 §12.6.3.2).
    return writeBox('stpp', ...head, cstring('http://www.w3.org/ns/ttml'), cstring(''), cstring(''));
  }
  // WVTTSampleEntry: the WebVTT file header in vttC, a label in vlab (14496-30 §7.5).
  return writeBox('wvtt', ...head, writeBox('vttC', Buffer.from('WEBVTT', 'utf8')), writeBox('vlab', Buffer.from(language.name, 'utf8')));
}

function vttSample(cues: readonly Cue[]): Buffer {
  if (cues.length === 0) return writeBox('vtte');
  return Buffer.concat(cues.map((c) => writeBox('vttc', writeBox('payl', Buffer.from(cueText(c), 'utf8')))));
}

function fragment(sequence: number, decodeTimeMs: number, samples: ReadonlyArray<{ durationMs: number; data: Buffer }>): Buffer {
  const build = (dataOffset: number): Buffer => {
    const entries = samples.flatMap((s) => [u32(s.durationMs), u32(s.data.length)]);
    // trun flags: data-offset, sample-duration and sample-size present; every text sample is a sync sample (trex default flags 0).
    const trun = fullBox('trun', 0, 0x000301, u32(samples.length), u32(dataOffset), ...entries);
    // tfhd default-base-is-moof: offsets count from the moof, so fragments can move between files.
    const tfhd = fullBox('tfhd', 0, 0x020000, u32(TRACK_ID));
    const tfdt = fullBox('tfdt', 1, 0, u64(decodeTimeMs));
    return writeBox('moof', fullBox('mfhd', 0, 0, u32(sequence)), writeBox('traf', tfhd, tfdt, trun));
  };
  const moof = build(build(0).length + 8);
  return Buffer.concat([moof, writeBox('mdat', ...samples.map((s) => s.data))]);
}

const MATRIX = Buffer.concat([0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map(u32));

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  return writeBox(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...parts);
}

// 14496-12 §8.4.2.3: ISO 639-2/T code as three 5-bit letters (each minus 0x60).
function packLanguage(code: string): number {
  return [...code].reduce((n, ch) => (n << 5) | ((ch.charCodeAt(0) - 0x60) & 0x1f), 0);
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
