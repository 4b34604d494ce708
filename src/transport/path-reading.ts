import type { ConnectionInfo } from '../http/exchange.js';

/** How long one reading of a connection's path serves the responses that follow, ms. */
export const PATH_READING_MAX_AGE_MS = 50;

/**
 * A connection's path reader (RTT, throughput) that asks the transport at most once per
 * PATH_READING_MAX_AGE_MS and answers from the last reading in between. CMSD's `etp` and `rtt` are
 * estimates players smooth over seconds, while the read (an engine call, a getsockopt) would cost
 * more than the rest of a small response's server data. Lives as long as its connection's entry.
 */
export function pathReadingEvery(read: () => ConnectionInfo | undefined, now: () => number = () => performance.now()): () => ConnectionInfo | undefined {
  let readAt = Number.NEGATIVE_INFINITY;
  let last: ConnectionInfo | undefined;
  return () => {
    const at = now();
    if (at - readAt >= PATH_READING_MAX_AGE_MS) {
      last = read();
      readAt = at;
    }
    return last;
  };
}
