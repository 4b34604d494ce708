// Small statistics over samples; pure functions.
import type { Transfer } from './timed-clients.js';

/** Value at quantile q (0..1) by nearest rank; NaN for no samples. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] as number;
}

export const median = (xs: number[]): number => quantile(xs, 0.5);
export const p95 = (xs: number[]): number => quantile(xs, 0.95);

/**
 * Stalls: gaps between consecutive body chunks of a stream longer than `thresholdMs`, counted
 * from the stream's first byte (waiting for a first byte is scheduling, not a stall).
 * `maxAtOnce` is the largest number of streams stalled over a common instant — the fingerprint of
 * head-of-line blocking, where one lost packet stops every stream of the connection.
 */
export function stalls(transfers: Transfer[], thresholdMs: number): { events: number; maxAtOnce: number } {
  const edges: Array<[number, number]> = [];
  for (const t of transfers) {
    for (let i = 1; i < t.chunks.length; i++) {
      const from = (t.chunks[i - 1] as [number, number])[0];
      const to = (t.chunks[i] as [number, number])[0];
      if (to - from > thresholdMs) edges.push([from, +1], [to, -1]);
    }
  }
  // Sweep: ends sort before starts at the same instant, so touching gaps do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let maxAtOnce = 0;
  for (const [, d] of edges) {
    open += d;
    maxAtOnce = Math.max(maxAtOnce, open);
  }
  return { events: edges.length / 2, maxAtOnce };
}

/**
 * Connection stalls: the time, between the first and the last body byte of any stream, during
 * which no stream received anything for longer than `thresholdMs`. This is what head-of-line
 * blocking costs whatever the scheduling: with streams sent one after another (RFC 9218
 * non-incremental) at most one stream stalls at a time, but over TCP a loss still stops the
 * whole connection while over QUIC the next stream's bytes keep arriving.
 */
export function connectionStallMs(transfers: Transfer[], thresholdMs: number): number {
  const arrivals = transfers.flatMap((t) => t.chunks.map(([at]) => at)).sort((a, b) => a - b);
  let stalled = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const gap = (arrivals[i] as number) - (arrivals[i - 1] as number);
    if (gap > thresholdMs) stalled += gap;
  }
  return stalled;
}
