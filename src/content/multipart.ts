import type { ByteRange } from '../http/ranges.js';
import { contentRange } from '../http/ranges.js';
import type { ContentFile } from './content-store.js';

/**
 * A multipart/byteranges body (RFC 9110 §14.6) for already coalesced ranges: its exact length
 * (for Content-Length) and the parts as a stream, so no part is copied before it is sent.
 */
export function multipartBody(
  file: ContentFile,
  ranges: readonly ByteRange[],
  type: string,
  boundary: string,
): { length: number; body: AsyncIterable<Uint8Array> } {
  const heads = ranges.map((r, i) =>
    Buffer.from(`${i === 0 ? '' : '\r\n'}--${boundary}\r\ncontent-type: ${type}\r\ncontent-range: ${contentRange(r, file.size)}\r\n\r\n`),
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = heads.reduce((n, h, i) => n + h.length + span(ranges[i] as ByteRange), tail.length);
  async function* parts(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < ranges.length; i++) {
      yield heads[i] as Buffer;
      const data = file.read(ranges[i]);
      if (Buffer.isBuffer(data)) yield data;
      else yield* data;
    }
    yield tail;
  }
  return { length, body: parts() };
}

function span(r: ByteRange): number {
  return r.end - r.start + 1;
}
