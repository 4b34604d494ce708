import { MalformedMp4 } from './errors.js';
import { children, type Box } from './isobmff.js';

// Bytes between a sample entry's header and its child boxes (ISO/IEC 14496-12 §12.1.3, §12.2.3).
const VISUAL_SAMPLE_ENTRY_BYTES = 78;
const AUDIO_SAMPLE_ENTRY_BYTES = 28;

/** What a sample entry says about the stream: the RFC 6381 codec string and its geometry. */
export interface SampleEntryInfo {
  codecs: string;
  width?: number;
  height?: number;
  channels?: number;
  sampleRate?: number;
}

/**
 * Reads an `stsd` entry (avc1/avc3, mp4a, stpp or wvtt) and derives the RFC 6381 `codecs` value that HLS
 * CODECS and DASH @codecs need, e.g. `avc1.64001f` or `mp4a.40.2`. Players refuse variants whose
 * string does not match the stream, so it is read from the encoded bytes rather than assumed.
 */
export function describeSampleEntry(buf: Buffer, entry: Box): SampleEntryInfo {
  if (entry.type === 'encv' || entry.type === 'enca') return describeSampleEntry(buf, { ...entry, type: originalFormat(buf, entry) });
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const width = buf.readUInt16BE(entry.payload + 24);
    const height = buf.readUInt16BE(entry.payload + 26);
    const avcC = children(buf, entry, VISUAL_SAMPLE_ENTRY_BYTES).find((b) => b.type === 'avcC');
    if (!avcC) throw new MalformedMp4(`${entry.type} without avcC`);
    // ISO/IEC 14496-15 §5.3.3.1: profile, compatibility flags, level follow the version byte.
    const hex = [1, 2, 3].map((i) => buf.readUInt8(avcC.payload + i).toString(16).padStart(2, '0')).join('');
    return { codecs: `${entry.type}.${hex}`, width, height };
  }
  if (entry.type === 'mp4a') {
    const channels = buf.readUInt16BE(entry.payload + 16);
    const sampleRate = buf.readUInt32BE(entry.payload + 24) >>> 16;
    const esds = children(buf, entry, AUDIO_SAMPLE_ENTRY_BYTES).find((b) => b.type === 'esds');
    if (!esds) throw new MalformedMp4('mp4a without esds');
    return { codecs: mp4aCodecString(buf, esds), channels, sampleRate };
  }
  // 14496-30 text: RFC 6381 names IMSC1 Text in stpp as `stpp.ttml.im1t` (our stpp tracks carry
  // only IMSC1 Text documents) and WebVTT as `wvtt`.
  if (entry.type === 'stpp') return { codecs: 'stpp.ttml.im1t' };
  if (entry.type === 'wvtt') return { codecs: 'wvtt' };
  throw new MalformedMp4(`unsupported sample entry ${entry.type}`);
}

/**
 * ISO/IEC 23001-7 §4.2: an encrypted sample entry (encv/enca) keeps the original entry's layout
 * and names the original format in sinf/frma.
 */
function originalFormat(buf: Buffer, entry: Box): string {
  const skip = entry.type === 'encv' ? VISUAL_SAMPLE_ENTRY_BYTES : AUDIO_SAMPLE_ENTRY_BYTES;
  const sinf = children(buf, entry, skip).find((b) => b.type === 'sinf');
  const frma = sinf ? children(buf, sinf).find((b) => b.type === 'frma') : undefined;
  if (!frma) throw new MalformedMp4(`${entry.type} without sinf/frma`);
  return buf.toString('latin1', frma.payload, frma.payload + 4);
}

/** RFC 6381 §3.3: `mp4a.<objectTypeIndication hex>.<audio object type>` from an esds box. */
function mp4aCodecString(buf: Buffer, esds: Box): string {
  let at = esds.payload + 4; // full box header
  let oti = 0x40;
  let aot: number | undefined;
  while (at < esds.end && aot === undefined) {
    const tag = buf.readUInt8(at);
    let len = 0;
    let i = at + 1;
    // ISO/IEC 14496-1 §8.3.3: sizes use up to four 7-bit groups with a continuation bit.
    for (let n = 0; n < 4; n++) {
      const b = buf.readUInt8(i++);
      len = (len << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (tag === 0x03) {
      const flags = buf.readUInt8(i + 2);
      at = i + 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x20 ? 1 + buf.readUInt8(i + 3) : 0) + (flags & 0x40 ? 2 : 0);
    } else if (tag === 0x04) {
      oti = buf.readUInt8(i);
      at = i + 13;
    } else if (tag === 0x05) {
      aot = buf.readUInt8(i) >> 3;
    } else {
      at = i + len;
    }
  }
  if (aot === undefined) throw new MalformedMp4('esds without AudioSpecificConfig');
  return `mp4a.${oti.toString(16)}.${aot}`;
}
