// Reads relay.c's event log (drops and TCP retransmissions) and gives each traced connection the
// events of its own packets, on its own time axis.
import { readFileSync } from 'node:fs';
import { MAX_EVENTS, type ConnectionTrace, type TraceEvent } from './trace.js';

/** One line of the relay's event log; times are CLOCK_MONOTONIC ms. */
export interface LinkEvent {
  dir: TraceEvent['dir'];
  kind: TraceEvent['kind'];
  atMonotonicMs: number;
  arrivalMonotonicMs: number;
  /** IP protocol number: 6 TCP, 17 UDP. */
  proto: number;
  sport: number;
  dport: number;
}

const KINDS = new Set(['random', 'queue', 'ring', 'retransmit']);
const DIRS: Record<string, TraceEvent['dir']> = { aToB: 'cliToSrv', bToA: 'srvToCli' };

/** Parses the log relay.c wrote (client side = interface A); lines it cannot read are skipped and counted. */
export function parseLinkEvents(text: string): { events: LinkEvent[]; unreadable: number } {
  const events: LinkEvent[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [dir, kind, at, arrival, proto, sport, dport] = line.split(' ');
    const d = DIRS[dir ?? ''];
    if (!d || !KINDS.has(kind ?? '') || dport === undefined) {
      unreadable++;
      continue;
    }
    events.push({ dir: d, kind: kind as TraceEvent['kind'], atMonotonicMs: Number(at) / 1e6, arrivalMonotonicMs: Number(arrival) / 1e6, proto: Number(proto), sport: Number(sport), dport: Number(dport) });
  }
  return { events, unreadable };
}

/** Reads and parses an event log file. */
export function readLinkEvents(file: string): { events: LinkEvent[]; unreadable: number } {
  return parseLinkEvents(readFileSync(file, 'utf8'));
}

/**
 * Sets `trace.events` to the events of the trace's flow whose arrival falls between the requests
 * going out and `untilMs` later (at most MAX_EVENTS; the rest counted in `eventsLeftOut`).
 */
export function attachLinkEvents(trace: ConnectionTrace, events: LinkEvent[], untilMs: number): void {
  const proto = trace.flow.transport === 'tcp' ? 6 : 17;
  const mine: TraceEvent[] = [];
  let leftOut = 0;
  for (const e of events) {
    if (e.proto !== proto) continue;
    const [serverPort, clientPort] = e.dir === 'srvToCli' ? [e.sport, e.dport] : [e.dport, e.sport];
    if (serverPort !== trace.flow.serverPort || (trace.flow.localPort !== undefined && clientPort !== trace.flow.localPort)) continue;
    const atMs = e.arrivalMonotonicMs - trace.t0MonotonicMs;
    if (atMs < 0 || atMs > untilMs) continue;
    if (mine.length >= MAX_EVENTS) {
      leftOut++;
      continue;
    }
    mine.push({ atMs: Math.round(atMs * 100) / 100, dir: e.dir, kind: e.kind });
  }
  trace.events = mine.sort((a, b) => a.atMs - b.atMs);
  if (leftOut > 0) trace.eventsLeftOut = leftOut;
}
