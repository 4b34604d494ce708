import { PayloadTooLarge, RequestTimeout } from './errors.js';

/** How much request body a route takes, and how fast it must come. */
export interface BodyLimits {
  /** Largest body the route takes; more is answered `413`. */
  maxBytes: number;
  /** The body may take this long to start… */
  timeoutMs: number;
  /** …plus one second per this many bytes received (as Apache's mod_reqtimeout `body=…,MinRate=…`). */
  minBytesPerSec: number;
}

/**
 * A request body source held to `limits`: iterating it throws PayloadTooLarge past `maxBytes`
 * and RequestTimeout (408) once the deadline — `timeoutMs` after the first read, pushed back a
 * second for every `minBytesPerSec` bytes — passes while a chunk is awaited, so a client that
 * dribbles a body (slowloris) loses its request instead of holding it open. The caller's
 * transport stops reading the rest once the response is sent. One timer per pending read.
 */
export async function* limitBody(source: AsyncIterable<Buffer>, limits: BodyLimits, clock: () => number = performance.now.bind(performance)): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const started = clock();
  let received = 0;
  try {
    for (;;) {
      const deadline = started + limits.timeoutMs + (received / limits.minBytesPerSec) * 1000;
      const next = await withDeadline(it.next(), deadline - clock());
      if (next.done) return;
      received += next.value.length;
      if (received > limits.maxBytes) throw new PayloadTooLarge(limits.maxBytes);
      yield next.value;
    }
  } finally {
    // Tells a Readable source it may be dropped; the transport discards what is left.
    void it.return?.();
  }
}

function withDeadline<T>(pending: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return Promise.reject(new RequestTimeout());
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout()), ms);
  });
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}
