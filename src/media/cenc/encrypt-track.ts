import { randomBytes } from 'node:crypto';
import { MalformedMp4 } from '../errors.js';
import { children, findBox, readBoxes } from '../isobmff.js';
import { encryptFragment } from './encrypt-fragment.js';
import { nalLengthSize, protectInit } from './init-protection.js';
import type { CencScheme } from './scheme.js';

/**
 * Encrypts a single-track CMAF file (ftyp, moov, moof/mdat…) with CENC ('cenc' or 'cbcs') under
 * one key: the result has the same layout (so it is cut into segments like a clear one),
 * encv/enca sample entries with tenc and a pssh, and senc/saiz/saio in every fragment. A
 * trailing mfra is dropped (its offsets would be stale; nothing here reads it). `random` seeds
 * the IVs ('cenc': the per-sample counter; 'cbcs': the constant IV).
 */
export function encryptTrack(buf: Buffer, kidHex: string, keyHex: string, scheme: CencScheme = 'cenc', random: (n: number) => Buffer = randomBytes): Buffer {
  const top = readBoxes(buf);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new MalformedMp4('missing moov');
  const handler = buf.toString('latin1', findBox(buf, ['trak', 'mdia', 'hdlr'], moov).payload + 8, findBox(buf, ['trak', 'mdia', 'hdlr'], moov).payload + 12);
  const kind = handler === 'vide' ? 'video' : 'audio';
  const trex = children(buf, findBox(buf, ['mvex'], moov)).find((b) => b.type === 'trex');
  let iv = random(8).readBigUInt64BE(0);
  const constantIv = random(16);
  const cipher = {
    scheme,
    constantIv,
    key: Buffer.from(keyHex, 'hex'),
    kind: kind as 'video' | 'audio',
    nalLengthSize: kind === 'video' ? nalLengthSize(buf, moov.end) : 0,
    defaultSampleSize: trex ? buf.readUInt32BE(trex.payload + 16) : 0,
    nextIv: () => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(iv);
      iv = (iv + 1n) & 0xffffffffffffffffn;
      return b;
    },
  };
  const parts: Buffer[] = [protectInit(buf, moov.end, { scheme, kidHex, constantIv }).init];
  for (let i = 0; i < top.length; i++) {
    const b = top[i];
    if (!b || b.end <= moov.end || b.type === 'mfra') continue;
    if (b.type === 'moof') {
      const mdat = top[i + 1];
      if (!mdat || mdat.type !== 'mdat') throw new MalformedMp4(`moof at ${b.start} not followed by mdat`);
      const f = encryptFragment(buf, b, mdat, cipher);
      parts.push(f.moof, f.mdat);
      i++;
      continue;
    }
    parts.push(buf.subarray(b.start, b.end));
  }
  return Buffer.concat(parts);
}
