// The four player-shaped scenarios, run by our own clients inside the client namespace.
import type { ConnectOptions, TimedConnection, Transfer } from './timed-clients.js';
import { connectionStallMs, stalls } from './stats.js';
import { connectionTrace, monotonicMs, type ConnectionTrace } from './trace.js';

/** The scenarios in the order a client runs them. */
export const SCENARIOS = ['startup', 'multiplexed', 'priority', 'throughput'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What a scenario needs to know about the title and the link. */
export interface ScenarioContext {
  connect: (o: ConnectOptions) => Promise<TimedConnection>;
  connectOptions: ConnectOptions;
  /** URL path prefix of the server (/content/ for h3edge, / for Caddy). */
  prefix: string;
  startup: string[];
  videoSegments: string[];
  manifest: string;
  small: string;
  sizes: Record<string, number>;
  rttMs: number;
}

/** One measurement: named numbers plus optional per-stream details. */
export interface ScenarioSample {
  scenario: ScenarioName;
  mode?: string;
  metrics: Record<string, number>;
  streamsMs?: number[];
  /** Multiplexed: every stream's bytes over time (thinned), for the head-of-line picture. */
  trace?: ConnectionTrace;
}

function incomplete(c: ScenarioContext, transfers: Transfer[]): number {
  return transfers.filter((t) => t.status !== 200 || t.bytes !== c.sizes[t.path.slice(c.prefix.length)]).length;
}

const url = (c: ScenarioContext, p: string): string => `${c.prefix}${p}`;

/**
 * A player's first second: every startup object in parallel on one new connection; the clock
 * runs from connect to the last byte. With `ticket` the connection resumes (h3: 0-RTT).
 */
export async function startup(c: ScenarioContext, mode: string, ticket?: Buffer): Promise<{ sample: ScenarioSample; ticket?: Buffer }> {
  const t0 = performance.now();
  const conn = await c.connect({ ...c.connectOptions, ticket });
  const connectedMs = performance.now() - t0;
  const transfers = await Promise.all(c.startup.map((p) => conn.get(url(c, p))));
  const completionMs = performance.now() - t0;
  // A ticket may trail the handshake; by now the server has had many round trips to send it.
  const next = conn.ticket();
  await conn.close();
  return {
    sample: { scenario: 'startup', mode, metrics: { completionMs, connectMs: connectedMs, incomplete: incomplete(c, transfers) } },
    ticket: next,
  };
}

/** Six video segments at once on one warm connection: per-stream completion, concurrent stalls and the streams' bytes over time. */
export async function multiplexed(c: ScenarioContext): Promise<ScenarioSample> {
  const conn = await c.connect(c.connectOptions);
  try {
    const t0 = performance.now();
    const t0Monotonic = monotonicMs();
    const transfers = await Promise.all(c.videoSegments.slice(0, 6).map((p) => conn.get(url(c, p))));
    const threshold = stallThresholdMs(c.rttMs);
    const s = stalls(transfers, threshold);
    return {
      scenario: 'multiplexed',
      metrics: {
        completionMs: performance.now() - t0,
        connectionStallMs: connectionStallMs(transfers, threshold),
        maxStalledAtOnce: s.maxAtOnce,
        stallEvents: s.events,
        incomplete: incomplete(c, transfers),
      },
      streamsMs: transfers.map((t) => t.end - t0),
      trace: connectionTrace(transfers, t0, t0Monotonic, conn.flow),
    };
  } finally {
    await conn.close();
  }
}

/** A gap in a stream's bytes longer than this counts as a stall (longer than any loss-free scheduling gap). */
export function stallThresholdMs(rttMs: number): number {
  return Math.max(100, rttMs + 50);
}

/** A manifest request issued while four bulk segments are in flight: its TTFB and completion. */
export async function priority(c: ScenarioContext): Promise<ScenarioSample> {
  const conn = await c.connect(c.connectOptions);
  try {
    const t0 = performance.now();
    let bulkDone = 0;
    const bulk = c.videoSegments.slice(0, 4).map((p) => conn.get(url(c, p)).then((t) => (bulkDone++, t)));
    // Two round trips: the bulk responses are flowing, and the connection's window has opened.
    await new Promise((r) => setTimeout(r, 2 * c.rttMs + 50));
    const inFlight = 4 - bulkDone;
    const manifest = await conn.get(url(c, c.manifest));
    const transfers = [manifest, ...(await Promise.all(bulk))];
    return {
      scenario: 'priority',
      metrics: {
        manifestTtfbMs: manifest.firstByte - manifest.start,
        manifestMs: manifest.end - manifest.start,
        bulkMs: Math.max(...transfers.slice(1).map((t) => t.end)) - t0,
        bulkInFlightAtIssue: inFlight,
        incomplete: incomplete(c, transfers),
      },
    };
  } finally {
    await conn.close();
  }
}

/** Bulk goodput (three segments one after another) and small-object requests per second (10 at a time). */
export async function throughput(c: ScenarioContext, smallRequests: number): Promise<ScenarioSample> {
  const conn = await c.connect(c.connectOptions);
  try {
    const transfers: Transfer[] = [];
    const t0 = performance.now();
    for (const p of c.videoSegments.slice(0, 3)) transfers.push(await conn.get(url(c, p)));
    const bulkSec = (performance.now() - t0) / 1000;
    const bytes = transfers.reduce((n, t) => n + t.bytes, 0);
    const t1 = performance.now();
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (issued < smallRequests) {
        issued++;
        transfers.push(await conn.get(url(c, c.small)));
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    const smallSec = (performance.now() - t1) / 1000;
    return {
      scenario: 'throughput',
      metrics: { goodputMbitPerSec: (bytes * 8) / 1e6 / bulkSec, smallReqPerSec: smallRequests / smallSec, incomplete: incomplete(c, transfers) },
    };
  } finally {
    await conn.close();
  }
}
