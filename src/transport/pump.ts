import type { Writable } from 'node:stream';
import type { Reply } from '../http/exchange.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';

/** The sink a transport writes a body into: a node Writable (http2 compat response, h3 stream). */
export type BodySink = Pick<Writable, 'write' | 'end' | 'once' | 'off' | 'destroyed'>;

/** Where a body waits before handing its connection more bytes (HTTP/2: while TCP holds enough unsent). */
export interface SendRoom {
  /** Resolves with how many bytes the connection takes now without queueing them far ahead of the wire (may be Infinity). */
  room(signal: AbortSignal): Promise<number>;
}

/** Buffers are handed over in slices of this size so a more urgent response can cut in. */
const SLICE_BYTES = 64 * 1024;

/** A body source that keeps its stream waiting longer than this yields the stream's turn. */
const SOURCE_STALL_MS = 25;

/** The body's source changed while it was being sent (a file truncated or rewritten under its mapping). */
export class BodyChanged extends Error {
  constructor() {
    super('the file changed while its body was being sent');
  }
}

/**
 * Writes a reply body into `sink`, waiting for 'drain' whenever the connection pushes back, and
 * ends it. With a `turn` from the connection's SendScheduler it writes only when its priority
 * allows; with a `room` it writes sliced bodies in pieces no larger than the room it is given
 * (a body that fits one slice is written whole: urgent small responses never wait). Resolves
 * with the bytes handed to the sink. Stops early when `signal` aborts; an error from a body
 * iterator (e.g. a file that changed) rejects so the transport can reset the stream instead of
 * ending it as if complete. With `intact` (a body read straight from a file's mapping) the end
 * waits until every byte has left and rejects with BodyChanged if the file changed under it.
 */
export async function pumpBody(body: Reply['body'], sink: BodySink, signal: AbortSignal, turn?: ScheduledStream, room?: SendRoom, intact?: () => boolean): Promise<number> {
  if (body === null) {
    sink.end();
    return 0;
  }
  if (Buffer.isBuffer(body) && intact === undefined && (turn === undefined || body.length <= SLICE_BYTES)) {
    if (turn) await turn.ready();
    sink.end(body);
    return body.length;
  }
  const chunks = Buffer.isBuffer(body) ? slices(body)[Symbol.iterator]() : body[Symbol.asyncIterator]();
  let sent = 0;
  for (;;) {
    const next = await nextChunk(chunks, turn);
    if (next.done || signal.aborted || sink.destroyed) break;
    sent += await writeChunk(next.value, sink, signal, turn, room);
  }
  if (signal.aborted || sink.destroyed) return sent;
  if (intact) {
    // The bytes are read from the mapping as they are encrypted: only once they have left can
    // the mapping tell whether they were the file's.
    await new Promise<void>((resolve) => sink.write(Buffer.alloc(0), () => resolve()));
    if (!intact()) throw new BodyChanged();
  }
  sink.end();
  return sent;
}

/** Writes one chunk in pieces as large as `room` allows, each in the stream's turn; returns the bytes handed over. */
async function writeChunk(chunk: Uint8Array, sink: BodySink, signal: AbortSignal, turn: ScheduledStream | undefined, room: SendRoom | undefined): Promise<number> {
  let sent = 0;
  while (sent < chunk.length && !signal.aborted && !sink.destroyed) {
    if (turn) await turn.ready();
    // Asked after the turn, so the answer is fresh when the piece is written.
    const budget = room ? await room.room(signal) : Infinity;
    if (signal.aborted || sink.destroyed) break;
    const piece = chunk.subarray(sent, Math.min(chunk.length, sent + budget));
    sent += piece.length;
    if (!sink.write(piece)) await drained(sink, signal);
  }
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
