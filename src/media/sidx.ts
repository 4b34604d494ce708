import { writeBox } from './isobmff.js';

/** One subsegment a `sidx` points at: its size and duration; each starts with a SAP type 1. */
export interface SidxReference {
  sizeBytes: number;
  durationTicks: number;
}

/**
 * Builds a version-1 Segment Index box (ISO/IEC 14496-12 §8.16.3) whose references start right
 * after the box (first_offset 0). DASH SegmentBase players read it via @indexRange to find each
 * fragment in a single-file rendition.
 */
export function buildSidx(trackId: number, timescale: number, earliestPtsTicks: number, refs: readonly SidxReference[]): Buffer {
  const body = Buffer.alloc(4 + 4 + 4 + 8 + 8 + 2 + 2 + refs.length * 12);
  let at = 0;
  body.writeUInt32BE(0x01000000, at); // version 1, flags 0
  body.writeUInt32BE(trackId, (at += 4));
  body.writeUInt32BE(timescale, (at += 4));
  body.writeBigUInt64BE(BigInt(earliestPtsTicks), (at += 4));
  body.writeBigUInt64BE(0n, (at += 8));
  body.writeUInt16BE(0, (at += 8));
  body.writeUInt16BE(refs.length, (at += 2));
  at += 2;
  for (const r of refs) {
    // reference_type 0 (media), then size; starts_with_SAP=1, SAP_type=1, delta 0.
    body.writeUInt32BE(r.sizeBytes & 0x7fffffff, at);
    body.writeUInt32BE(r.durationTicks, at + 4);
    body.writeUInt32BE(0x90000000, at + 8);
    at += 12;
  }
  return writeBox('sidx', body);
}
