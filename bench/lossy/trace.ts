// Per-chunk arrival times of one connection's streams, thinned to a bounded trace for the JSON,
// and the relay's link events placed on the same time axis. Pure functions.
import type { Flow, Transfer } from './timed-clients.js';

/** A stream's cumulative body bytes over time: [ms since the requests went out, bytes so far]. */
export interface StreamTrace {
  path: string;
  points: Array<[number, number]>;
}

/** Something the relay did to one of the connection's packets, on the trace's time axis. */
export interface TraceEvent {
  /** When the packet reached, or would have reached, its receiver; ms since the requests went out. */
  atMs: number;
  dir: 'srvToCli' | 'cliToSrv';
  /** random | queue | ring: the relay dropped it (random loss, full queue, full ring); retransmit: TCP sent its bytes again. */
  kind: 'random' | 'queue' | 'ring' | 'retransmit';
}

/** One connection's streams, the packets the link dropped or saw resent, all from the same instant. */
export interface ConnectionTrace {
  /** CLOCK_MONOTONIC (process.hrtime) in ms when the requests went out: the relay's clock. */
  t0MonotonicMs: number;
  flow: Flow;
  streams: StreamTrace[];
  /** Attached by the orchestrator from the relay's event log once the condition ended. */
  events?: TraceEvent[];
  /** Events of this connection past MAX_EVENTS, counted only. */
  eventsLeftOut?: number;
}

/** A new point at least every this many bytes. */
export const TRACE_STEP_BYTES = 16 * 1024;
/** A gap between two chunks longer than this keeps both ends, so a stall is drawn where it was. */
export const TRACE_GAP_MS = 10;
/** At most this many points per stream (gaps beyond it are still drawn, less sharply). */
export const MAX_POINTS = 2048;
/** At most this many link events per connection. */
export const MAX_EVENTS = 5000;

const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * Thins a stream's chunks to at most MAX_POINTS points: the first and last chunk, one point per
 * TRACE_STEP_BYTES, and both ends of every gap longer than TRACE_GAP_MS. `t0` is the
 * performance.now() the times are counted from.
 */
export function streamPoints(chunks: Array<[number, number]>, t0: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  let bytes = 0;
  let keptBytes = -Infinity;
  const keep = (at: number, b: number): void => {
    const last = points.at(-1);
    if (last && last[1] === b) return;
    points.push([round(at - t0), b]);
    keptBytes = b;
  };
  for (let i = 0; i < chunks.length; i++) {
    const [at, n] = chunks[i] as [number, number];
    const prev = chunks[i - 1];
    const gap = prev !== undefined && at - prev[0] > TRACE_GAP_MS;
    if (gap && points.length < MAX_POINTS - 2) keep(prev[0], bytes);
    bytes += n;
    const isLast = i === chunks.length - 1;
    if (isLast || (points.length < MAX_POINTS - 1 && (i === 0 || gap || bytes - keptBytes >= TRACE_STEP_BYTES))) keep(at, bytes);
  }
  return points;
}

/** The trace of a set of transfers on one connection whose requests went out at `t0` (performance.now()) = `t0MonotonicMs`. */
export function connectionTrace(transfers: Transfer[], t0: number, t0MonotonicMs: number, flow: Flow): ConnectionTrace {
  return { t0MonotonicMs, flow, streams: transfers.map((t) => ({ path: t.path, points: streamPoints(t.chunks, t0) })) };
}

/** CLOCK_MONOTONIC in ms, the clock relay.c stamps its events with (node's hrtime on Linux). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
