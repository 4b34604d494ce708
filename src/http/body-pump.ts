import type { Reply, ResponseSink } from './exchange.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import type { RequestSignal } from './request-signal.js';

/**
 * Without a measure of the connection (`room`), buffers are handed over in slices of this size so
 * a more urgent response can cut in between two.
 */
const SLICE_BYTES = 64 * 1024;
/**
 * With `room`, a piece is as large as the connection sends in the room's horizon (a few ms at its
 * pacing rate: ~60 KB at 50 Mbit/s), up to this. Each piece costs a turn, a look at TCP and a
 * drain (≈25% of the CPU of a 1 MB segment at 64 KB slices on loopback), and a fast link gains
 * nothing from smaller ones: an urgent response still waits at most the horizon.
 */
const MAX_PIECE_BYTES = 1024 * 1024;

/** A body source that keeps its stream waiting longer than this yields the stream's turn. */
const SOURCE_STALL_MS = 25;

/** The body's source changed while it was being sent (a file truncated or rewritten under its mapping). */
export class BodyChanged extends Error {
  constructor() {
    super('the file changed while its body was being sent');
    this.name = 'BodyChanged';
  }
}

/**
 * The one body pump: hands a reply body to its sink at the pace the connection allows and ends
 * it. A sink that takes whole bodies (the native HTTP/3 engine, zero copy) gets a Buffer in one
 * call. Otherwise, with a `turn` from the connection's SendScheduler it writes only when its
 * priority allows, and with the sink's `room` it writes in pieces no larger than the room it is
 * given (a body that fits one slice is written whole: urgent small responses never wait).
 * Resolves with the bytes handed over. Stops early when `signal` aborts; an error from a body
 * iterator (e.g. a file that changed) rejects so the core can reset the stream instead of ending
 * it as if complete. With `intact` (a body read straight from a file's mapping) a body of more
 * than one slice ends only once every byte but its last has left, and rejects with BodyChanged
 * if the file changed under it (the last byte, copied before, goes with the end); one slice
 * leaves in a single write at once (the window in which its file could change is microseconds,
 * and small responses are the hot path), with the SIGBUS guard still keeping a truncation from
 * harming the process.
 */
export async function pumpBody(body: Reply['body'], sink: ResponseSink, signal: RequestSignal, turn?: ScheduledStream, intact?: () => boolean): Promise<number> {
  if (body === null) {
    sink.end();
    return 0;
  }
  if (Buffer.isBuffer(body) && (sink.wholeBodies || body.length <= SLICE_BYTES || (intact === undefined && turn === undefined))) {
    if (turn) await turn.ready();
    sink.end(body);
    return body.length;
  }
  // With `intact`, the last byte is copied now and held until the check has passed: a client that
  // reads a body to its length (HTTP/1.1's Content-Length) never holds a changed file's bytes as
  // a whole body, and never has them all before the response ends here.
  const held = intact && Buffer.isBuffer(body) ? Buffer.from(body.subarray(body.length - 1)) : undefined;
  const source = held ? (body as Buffer).subarray(0, (body as Buffer).length - 1) : body;
  const chunks = Buffer.isBuffer(source) ? [source][Symbol.iterator]() : source[Symbol.asyncIterator]();
  let sent = 0;
  for (;;) {
    const next = await nextChunk(chunks, turn);
    if (next.done || signal.aborted) break;
    sent += await writeChunk(next.value, sink, signal, turn);
  }
  if (signal.aborted) return sent;
  if (intact) {
    // The bytes are read from the mapping as they are encrypted: only once they have left can
    // the mapping tell whether they were the file's. Meanwhile this stream has nothing to send:
    // the next one in the connection's order goes on (the END_STREAM needs no turn).
    turn?.idle();
    await sink.flushed();
    if (!intact()) throw new BodyChanged();
  }
  sink.end(held);
  return sent + (held?.length ?? 0);
}

/** Writes one chunk in pieces as large as the sink's room allows (a slice without it), each in the stream's turn; returns the bytes handed over. */
async function writeChunk(chunk: Uint8Array, sink: ResponseSink, signal: RequestSignal, turn: ScheduledStream | undefined): Promise<number> {
  let sent = 0;
  while (sent < chunk.length && !signal.aborted) {
    if (turn) await turn.ready();
    // Asked after the turn, so the answer is fresh when the piece is written.
    const budget = sink.room ? Math.min(await sink.room(signal), MAX_PIECE_BYTES) : SLICE_BYTES;
    if (signal.aborted) break;
    const piece = chunk.subarray(sent, Math.min(chunk.length, sent + budget));
    sent += piece.length;
    if (!sink.write(piece)) await sink.drain(signal);
  }
  return sent;
}

/**
 * Next chunk from the body source. Waiting on a slow source (an upstream, a cold disk) must not
 * hold back the connection's other streams, so the turn is yielded if the wait drags on.
 */
async function nextChunk(chunks: Iterator<Uint8Array> | AsyncIterator<Uint8Array>, turn: ScheduledStream | undefined): Promise<IteratorResult<Uint8Array>> {
  const stall = turn ? setTimeout(() => turn.idle(), SOURCE_STALL_MS) : undefined;
  try {
    return await chunks.next();
  } finally {
    clearTimeout(stall);
  }
}
