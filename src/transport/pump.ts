import type { Writable } from 'node:stream';
import type { Reply } from '../http/exchange.js';

/** The sink a transport writes a body into: a node Writable (http2 compat response, h3 stream). */
export type BodySink = Pick<Writable, 'write' | 'end' | 'once' | 'off' | 'destroyed' | 'writableEnded'>;

/**
 * Writes a reply body into `sink`, waiting for 'drain' whenever the connection pushes back, and
 * ends it. Resolves with the bytes handed to the sink. Stops early when `signal` aborts; an
 * error from a body iterator (e.g. a file that changed) rejects so the transport can reset the
 * stream instead of ending it as if complete.
 */
export async function pumpBody(body: Reply['body'], sink: BodySink, signal: AbortSignal): Promise<number> {
  if (body === null) {
    sink.end();
    return 0;
  }
  if (Buffer.isBuffer(body)) {
    sink.end(body);
    return body.length;
  }
  let sent = 0;
  for await (const chunk of body) {
    if (signal.aborted || sink.destroyed) return sent;
    sent += chunk.length;
    if (!sink.write(chunk)) await drained(sink, signal);
  }
  if (!signal.aborted && !sink.destroyed) sink.end();
  return sent;
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
