import { writeBox, type Box } from '../isobmff.js';

/** A full box (version + 24-bit flags) with the given payload. */
export function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return writeBox(type, vf, ...parts);
}

/** A plain box: 32-bit size, type, payload parts. */
export const box = writeBox;

/**
 * The bytes of `parent` with its child `child` replaced by `replacement` and the parent's 32-bit
 * size fixed. Used bottom-up to rewrite one box deep inside moov or moof.
 */
export function replaceChild(buf: Buffer, parent: Box, child: Box, replacement: Buffer): Buffer {
  if (parent.payload - parent.start !== 8) throw new Error(`${parent.type}: 64-bit box sizes are not rewritten`);
  const out = Buffer.concat([buf.subarray(parent.start, child.start), replacement, buf.subarray(child.end, parent.end)]);
  out.writeUInt32BE(out.length, 0);
  return out;
}

/** `parent`'s bytes with `extra` boxes appended as its last children. */
export function appendChildren(bytes: Buffer, ...extra: Buffer[]): Buffer {
  const out = Buffer.concat([bytes, ...extra]);
  out.writeUInt32BE(out.length, 0);
  return out;
}
