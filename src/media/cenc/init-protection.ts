import { MalformedMp4 } from '../errors.js';
import { children, findBox, readBoxes, type Box } from '../isobmff.js';
import { appendChildren, box, fullBox, replaceChild } from './boxes.js';
import { cbcsPattern, type CencScheme } from './scheme.js';

/** W3C "common" system id: a pssh that any CENC-aware CDM (ClearKey included) reads for key ids. */
const COMMON_SYSTEM_ID = '1077efecc0b24d02ace33c1e52e2fb4b';
export const PER_SAMPLE_IV_BYTES = 8;

const VISUAL_SAMPLE_ENTRY_BYTES = 78;
const AUDIO_SAMPLE_ENTRY_BYTES = 28;

/** How the track is protected: scheme, key id, and for 'cbcs' the constant IV. */
export interface InitProtection {
  scheme: CencScheme;
  kidHex: string;
  constantIv?: Buffer;
}

/**
 * Rewrites the init part (ftyp + moov) for CENC (ISO/IEC 23001-7 §4, §8): the sample entry
 * becomes encv/enca with sinf{frma, schm, schi{tenc}}, and a common-system pssh with the key id
 * is added to moov. Returns the new init bytes and the original sample entry type.
 */
export function protectInit(buf: Buffer, initEnd: number, p: InitProtection): { init: Buffer; format: string } {
  const kidHex = p.kidHex;
  const top = readBoxes(buf, 0, initEnd);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new MalformedMp4('missing moov');
  const trak = findBox(buf, ['trak'], moov);
  const mdia = findBox(buf, ['mdia'], trak);
  const minf = findBox(buf, ['minf'], mdia);
  const stbl = findBox(buf, ['stbl'], minf);
  const stsd = findBox(buf, ['stsd'], stbl);
  const entry = children(buf, stsd, 8)[0];
  if (!entry) throw new MalformedMp4('empty stsd');
  const format = entry.type;
  const encType = format === 'avc1' || format === 'avc3' ? 'encv' : format === 'mp4a' ? 'enca' : undefined;
  if (!encType) throw new MalformedMp4(`cannot encrypt sample entry ${format}`);
  const sinf = box(
    'sinf',
    box('frma', Buffer.from(format, 'latin1')),
    fullBox('schm', 0, 0, Buffer.from(p.scheme, 'latin1'), u32(0x00010000)),
    box('schi', trackEncryptionBox(p, encType === 'encv' ? 'video' : 'audio')),
  );
  const newEntry = appendChildren(Buffer.from(buf.subarray(entry.start, entry.end)), sinf);
  newEntry.write(encType, 4, 'latin1');
  // Bottom-up: each container gets its rewritten child and a corrected size.
  let bytes = replaceChild(buf, stsd, entry, newEntry);
  bytes = replaceChild(buf, stbl, stsd, bytes);
  bytes = replaceChild(buf, minf, stbl, bytes);
  bytes = replaceChild(buf, mdia, minf, bytes);
  bytes = replaceChild(buf, trak, mdia, bytes);
  bytes = replaceChild(buf, moov, trak, bytes);
  const pssh = fullBox('pssh', 1, 0, Buffer.from(COMMON_SYSTEM_ID, 'hex'), u32(1), Buffer.from(kidHex, 'hex'), u32(0));
  const newMoov = appendChildren(bytes, pssh);
  const parts = top.map((b: Box) => (b === moov ? newMoov : buf.subarray(b.start, b.end)));
  return { init: Buffer.concat(parts), format };
}

/**
 * tenc (§8.2): 'cenc' carries 8-byte IVs per sample; 'cbcs' is version 1 with the pattern and
 * a 16-byte constant IV, and no per-sample IVs.
 */
function trackEncryptionBox(p: InitProtection, kind: 'video' | 'audio'): Buffer {
  const kid = Buffer.from(p.kidHex, 'hex');
  if (p.scheme === 'cenc') return fullBox('tenc', 0, 0, Buffer.from([0, 0, 1, PER_SAMPLE_IV_BYTES]), kid);
  if (!p.constantIv || p.constantIv.length !== 16) throw new Error('cbcs needs a 16-byte constant IV');
  const { crypt, skip } = cbcsPattern(kind);
  return fullBox('tenc', 1, 0, Buffer.from([0, (crypt << 4) | skip, 1, 0]), kid, Buffer.from([16]), p.constantIv);
}

/** NAL length field size from avcC (lengthSizeMinusOne + 1); CENC subsamples need it. */
export function nalLengthSize(buf: Buffer, initEnd: number): number {
  const moov = readBoxes(buf, 0, initEnd).find((b) => b.type === 'moov');
  if (!moov) throw new MalformedMp4('missing moov');
  const stsd = findBox(buf, ['trak', 'mdia', 'minf', 'stbl', 'stsd'], moov);
  const entry = children(buf, stsd, 8)[0] as Box;
  const avcC = children(buf, entry, VISUAL_SAMPLE_ENTRY_BYTES).find((b) => b.type === 'avcC');
  if (!avcC) throw new MalformedMp4('avc sample entry without avcC');
  return (buf.readUInt8(avcC.payload + 4) & 0x3) + 1;
}

export { AUDIO_SAMPLE_ENTRY_BYTES };

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
