import type { Writable } from 'node:stream';
import type { Reply } from '../http/exchange.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';

/** The sink a transport writes a body into: a node Writable (http2 compat response, h3 stream). */
export type BodySink = Pick<Writable, 'write' | 'end' | 'once' | 'off' | 'destroyed'>;

/** Buffers are handed over in slices of this size so a more urgent response can cut in. */
const SLICE_BYTES = 64 * 1024;

/** A body source that keeps its stream waiting longer than this yields the stream's turn. */
const SOURCE_STALL_MS = 25;

/**
 * Writes a reply body into `sink`, waiting for 'drain' whenever the connection pushes back, and
 * ends it. With a `turn` from the connection's SendScheduler it writes only when its priority
 * allows. Resolves with the bytes handed to the sink. Stops early when `signal` aborts; an
 * error from a body iterator (e.g. a file that changed) rejects so the transport can reset the
 * stream instead of ending it as if complete.
 */
export async function pumpBody(body: Reply['body'], sink: BodySink, signal: AbortSignal, turn?: ScheduledStream): Promise<number> {
  if (body === null) {
    sink.end();
    return 0;
  }
  if (Buffer.isBuffer(body) && (turn === undefined || body.length <= SLICE_BYTES)) {
    if (turn) await turn.ready();
    sink.end(body);
    return body.length;
  }
  const chunks = Buffer.isBuffer(body) ? slices(body)[Symbol.iterator]() : body[Symbol.asyncIterator]();
  let sent = 0;
  for (;;) {
    const next = await nextChunk(chunks, turn);
    if (next.done || signal.aborted || sink.destroyed) break;
    if (turn) await turn.ready();
    sent += next.value.length;
    if (!sink.write(next.value)) await drained(sink, signal);
  }
  if (!signal.aborted && !sink.destroyed) sink.end();
  return sent;
}

/**
 * Next chunk from the body source. Waiting on a slow source (an upstream, a cold disk) must not
 * hold back the connection's other streams, so the turn is yielded if the wait drags on.
 */
async function nextChunk(
  chunks: Iterator<Uint8Array> | AsyncIterator<Uint8Array>,
  turn: ScheduledStream | undefined,
): Promise<IteratorResult<Uint8Array>> {
  const stall = turn ? setTimeout(() => turn.idle(), SOURCE_STALL_MS) : undefined;
  try {
    return await chunks.next();
  } finally {
    clearTimeout(stall);
  }
}

function* slices(buf: Buffer): Iterable<Buffer> {
  for (let off = 0; off < buf.length; off += SLICE_BYTES) yield buf.subarray(off, off + SLICE_BYTES);
}

function drained(sink: BodySink, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sink.off('drain', done);
      sink.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    sink.once('drain', done);
    sink.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
