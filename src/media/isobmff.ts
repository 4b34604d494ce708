import { MalformedMp4 } from './errors.js';

/** One ISO-BMFF box (ISO/IEC 14496-12 §4.2) located inside a buffer; offsets are absolute. */
export interface Box {
  type: string;
  /** Offset of the box header in the buffer. */
  start: number;
  /** Offset one past the box's last byte. */
  end: number;
  /** Offset of the payload (after size, type and any 64-bit size). */
  payload: number;
}

/**
 * Lists the boxes laid end to end in `buf[start, end)`. Handles 64-bit sizes and size 0
 * ("to the end"). Throws MalformedMp4 when a size runs past `end`. The caller keeps the buffer.
 */
export function readBoxes(buf: Buffer, start = 0, end = buf.length): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let payload = at + 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      payload = at + 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < payload - at || at + size > end) throw new MalformedMp4(`box ${type} at ${at} overruns its parent`);
    boxes.push({ type, start: at, end: at + size, payload });
    at += size;
  }
  return boxes;
}

/** The children of a container box (moov, trak, moof, …). */
export function children(buf: Buffer, box: Box, skipBytes = 0): Box[] {
  return readBoxes(buf, box.payload + skipBytes, box.end);
}

/**
 * Follows a path of box types from `parent` (or the top level) and returns the first match,
 * e.g. `findBox(buf, ['moov', 'trak', 'mdia', 'mdhd'])`. Throws MalformedMp4 when absent, so
 * callers state which boxes they require.
 */
export function findBox(buf: Buffer, path: readonly string[], parent?: Box): Box {
  let level = parent ? children(buf, parent) : readBoxes(buf);
  let found: Box | undefined;
  for (const [i, type] of path.entries()) {
    if (i > 0) level = children(buf, found as Box);
    found = level.find((b) => b.type === type);
    if (!found) throw new MalformedMp4(`missing ${path.join('/')}`);
  }
  if (!found) throw new MalformedMp4('empty box path');
  return found;
}

/** A full box's version byte and 24-bit flags (ISO/IEC 14496-12 §4.2). */
export function fullBoxHeader(buf: Buffer, box: Box): { version: number; flags: number } {
  return { version: buf.readUInt8(box.payload), flags: buf.readUInt32BE(box.payload) & 0xffffff };
}

/** Serializes a box: 32-bit size, type, then the payload parts in order. */
export function writeBox(type: string, ...parts: Buffer[]): Buffer {
  const size = 8 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(size, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, ...parts], size);
}
