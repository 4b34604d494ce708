import { BadRequest } from '../http/errors.js';

/** An opaque page cursor: where the next page of rows or tiles starts. */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

/** Offset of a cursor from the query; 0 without one. Throws BadRequest for a forged or broken cursor. */
export function decodeCursor(value: string | null): number {
  if (value === null || value === '') return 0;
  try {
    const o = (JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { o?: unknown }).o;
    if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && o < 1_000_000) return o;
  } catch {
    // falls through to the error below
  }
  throw new BadRequest('invalid_cursor', 'Invalid cursor');
}
