// Views of a lossy run's samples the charts share: link conditions in order, and a metric's
// median and spread over the repetitions of one peer at one condition.
import type { LinkSettings } from '../lossy/link.js';
import type { LossySample, ScenarioDoc } from '../lossy/report.js';
import { median } from '../lossy/stats.js';

/** Our clients, whose runs the headline and the main panels compare. */
export const OUR_CLIENT: Record<'h2' | 'h3', string> = { h2: 'node:http2', h3: '@currentspace/http3' };

/** How the page names a server. */
export const SERVER_LABEL: Record<string, string> = { h3edge: 'h3edge', caddy: 'Caddy' };

/** Which runs make one line: the server, protocol, client and (startup) mode they were measured with. */
export interface Peer {
  server: string;
  protocol: 'h2' | 'h3';
  client: string;
  mode?: string;
}

/** A metric over the repetitions of one peer at one condition; n = 0 when every repetition failed. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
  errors: number;
}

export const conditionKey = (c: LinkSettings): string => `${c.rttMs}|${c.lossPercent}|${c.rateMbitPerSec}`;
export const linkLabel = (c: { rttMs: number; rateMbitPerSec: number }): string => `${c.rttMs} ms · ${c.rateMbitPerSec} Mbit/s`;

/** The run's conditions, in RTT, rate, loss order (from the emulator checks: the ones that ran). */
export function conditionsOf(docs: ScenarioDoc[]): LinkSettings[] {
  const seen = new Map<string, LinkSettings>();
  for (const d of docs) for (const e of d.emulator) seen.set(conditionKey(e), { rttMs: e.rttMs, lossPercent: e.lossPercent, rateMbitPerSec: e.rateMbitPerSec });
  return [...seen.values()].sort((a, b) => a.rttMs - b.rttMs || a.rateMbitPerSec - b.rateMbitPerSec || a.lossPercent - b.lossPercent);
}

const samePeer = (s: LossySample, p: Peer): boolean => s.server === p.server && s.protocol === p.protocol && s.client === p.client && (p.mode === undefined || s.mode === p.mode);

/** The spread of `metric` for `peer` per condition key; conditions where the peer never ran are absent. */
export function spreads(samples: LossySample[], scenario: string, metric: string, peer: Peer): Map<string, Spread> {
  const groups = new Map<string, LossySample[]>();
  for (const s of samples) {
    if (s.scenario !== scenario || !samePeer(s, peer)) continue;
    const k = conditionKey(s);
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const out = new Map<string, Spread>();
  for (const [k, group] of groups) {
    const xs = group.map((s) => s.metrics?.[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    out.set(k, { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length, errors: group.filter((s) => s.error !== undefined).length });
  }
  return out;
}

/** Servers that have samples in the run, h3edge first. */
export function serversOf(samples: LossySample[]): string[] {
  return [...new Set(samples.map((s) => s.server))].sort((a, b) => (a === 'h3edge' ? -1 : b === 'h3edge' ? 1 : a.localeCompare(b)));
}
