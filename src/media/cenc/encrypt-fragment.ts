import { createCipheriv } from 'node:crypto';
import { MalformedMp4 } from '../errors.js';
import { children, findBox, fullBoxHeader, type Box } from '../isobmff.js';
import { appendChildren, fullBox, replaceChild } from './boxes.js';
import { avcSubsamples, type Subsample } from './subsamples.js';
import { cbcsEncryptRange, cbcsPattern, type CencScheme } from './scheme.js';

/** What encrypting one track needs beyond the fragment itself. */
export interface TrackCipher {
  scheme: CencScheme;
  key: Buffer;
  /** 'cbcs': the 16-byte constant IV of tenc (samples carry none). */
  constantIv: Buffer;
  kind: 'video' | 'audio';
  /** NAL length field size of AVC video. */
  nalLengthSize: number;
  defaultSampleSize: number;
  /** 'cenc': next 8-byte per-sample IV; a counter, so no IV repeats under the key. */
  nextIv: () => Buffer;
}

/**
 * Encrypts one fragment (moof + mdat) in CENC 'cenc' mode (ISO/IEC 23001-7 §9.5, AES-128-CTR,
 * per-sample IVs) or 'cbcs' mode (§10.4, AES-128-CBC pattern from a constant IV): video with
 * subsamples, audio whole-sample. Adds senc, saiz and saio to the traf and moves trun data
 * offsets by the growth of moof. Returns the new moof and mdat bytes.
 */
export function encryptFragment(buf: Buffer, moof: Box, mdat: Box, c: TrackCipher): { moof: Buffer; mdat: Buffer } {
  const traf = findBox(buf, ['traf'], moof);
  const tfhd = findBox(buf, ['tfhd'], traf);
  const tfhdFlags = fullBoxHeader(buf, tfhd).flags;
  let defaultSize = c.defaultSampleSize;
  if (tfhdFlags & 0x10) defaultSize = buf.readUInt32BE(tfhd.payload + 8 + (tfhdFlags & 0x2 ? 4 : 0) + (tfhdFlags & 0x8 ? 4 : 0));
  const out = Buffer.from(buf.subarray(mdat.start, mdat.end));
  const entries: Array<{ iv: Buffer; subsamples?: Subsample[] }> = [];
  const truns = children(buf, traf).filter((b) => b.type === 'trun');
  for (const trun of truns) {
    for (const s of trunSamples(buf, trun, moof, defaultSize)) {
      if (s.start < mdat.payload || s.start + s.size > mdat.end) throw new MalformedMp4('sample outside its mdat');
      const local = s.start - mdat.start;
      if (c.scheme === 'cbcs') {
        entries.push(encryptCbcsSample(out.subarray(local, local + s.size), c));
        continue;
      }
      const iv = c.nextIv();
      const cipher = createCipheriv('aes-128-ctr', c.key, Buffer.concat([iv, Buffer.alloc(8)]));
      if (c.kind === 'audio') {
        cipher.update(out.subarray(local, local + s.size)).copy(out, local);
        entries.push({ iv });
        continue;
      }
      const subsamples = avcSubsamples(out.subarray(local, local + s.size), c.nalLengthSize);
      let at = local;
      for (const sub of subsamples) {
        at += sub.clear;
        // CTR keystream runs on across the protected ranges of a sample (§9.5.1).
        if (sub.protected > 0) cipher.update(out.subarray(at, at + sub.protected)).copy(out, at);
        at += sub.protected;
      }
      entries.push({ iv, subsamples });
    }
  }
  const newMoof = withEncryptionInfo(buf, moof, traf, truns, entries, c.kind === 'video');
  return { moof: newMoof, mdat: out };
}

/** One sample in 'cbcs': each subsample's protected range restarts from the constant IV. */
function encryptCbcsSample(sample: Buffer, c: TrackCipher): { iv: Buffer; subsamples?: Subsample[] } {
  const pattern = cbcsPattern(c.kind);
  if (c.kind === 'audio') {
    cbcsEncryptRange(c.key, c.constantIv, sample, pattern);
    return { iv: Buffer.alloc(0) };
  }
  const subsamples = avcSubsamples(sample, c.nalLengthSize);
  let at = 0;
  for (const sub of subsamples) {
    at += sub.clear;
    cbcsEncryptRange(c.key, c.constantIv, sample.subarray(at, at + sub.protected), pattern);
    at += sub.protected;
  }
  return { iv: Buffer.alloc(0), subsamples };
}

function withEncryptionInfo(
  buf: Buffer,
  moof: Box,
  traf: Box,
  truns: Box[],
  entries: Array<{ iv: Buffer; subsamples?: Subsample[] }>,
  subsampled: boolean,
): Buffer {
  const infos = entries.map((e) => {
    if (!e.subsamples) return e.iv;
    const ivBytes = e.iv.length;
    const b = Buffer.alloc(ivBytes + 2 + e.subsamples.length * 6);
    e.iv.copy(b, 0);
    b.writeUInt16BE(e.subsamples.length, ivBytes);
    e.subsamples.forEach((s, i) => {
      b.writeUInt16BE(s.clear, ivBytes + 2 + i * 6);
      b.writeUInt32BE(s.protected, ivBytes + 4 + i * 6);
    });
    return b;
  });
  const count = u32(entries.length);
  const senc = fullBox('senc', 0, subsampled ? 0x2 : 0, count, ...infos);
  const sizes = infos.map((i) => i.length);
  const uniform = sizes.every((s) => s === sizes[0]) ? (sizes[0] ?? 0) : 0;
  const saiz = fullBox('saiz', 0, 0, Buffer.from([uniform]), count, uniform ? Buffer.alloc(0) : Buffer.from(sizes));
  const saioLength = 8 + 4 + 4 + 4;
  // saio points at the first IV inside senc, relative to moof (default-base-is-moof).
  const sencStart = traf.start - moof.start + (traf.end - traf.start) + saiz.length + saioLength;
  const saio = fullBox('saio', 0, 0, u32(1), u32(sencStart + 16));
  const newTraf = appendChildren(Buffer.from(buf.subarray(traf.start, traf.end)), saiz, saio, senc);
  const newMoof = replaceChild(buf, moof, traf, newTraf);
  const growth = newMoof.length - (moof.end - moof.start);
  for (const trun of truns) {
    if (!(fullBoxHeader(buf, trun).flags & 0x1)) throw new MalformedMp4('trun without data_offset');
    const at = trun.start - moof.start + 16;
    newMoof.writeInt32BE(newMoof.readInt32BE(at) + growth, at);
  }
  return newMoof;
}

/** Absolute offsets and sizes of a trun's samples (§8.8.8; data offsets relative to moof). */
function trunSamples(buf: Buffer, trun: Box, moof: Box, defaultSize: number): Array<{ start: number; size: number }> {
  const flags = fullBoxHeader(buf, trun).flags;
  const count = buf.readUInt32BE(trun.payload + 4);
  let p = trun.payload + 8;
  const dataOffset = flags & 0x1 ? buf.readInt32BE(p) : 0;
  if (flags & 0x1) p += 4;
  if (flags & 0x4) p += 4;
  let at = moof.start + dataOffset;
  const samples: Array<{ start: number; size: number }> = [];
  for (let i = 0; i < count; i++) {
    if (flags & 0x100) p += 4;
    const size = flags & 0x200 ? buf.readUInt32BE(p) : defaultSize;
    if (flags & 0x200) p += 4;
    if (flags & 0x400) p += 4;
    if (flags & 0x800) p += 4;
    samples.push({ start: at, size });
    at += size;
  }
  return samples;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
