// lossy.md's comparison of h3edge with Caddy: per protocol and link condition, the medians of the
// metrics a player feels, and the list of every cell where h3edge is the slower server.
import type { LinkSettings } from './link.js';

/** A metric's median for one peer at one condition (report.ts's SummaryRow adds its p95 and failures). */
export interface MedianRow extends LinkSettings {
  server: string;
  protocol: string;
  client: string;
  mode?: string;
  metric: string;
  median: number;
  n: number;
}

/** One compared metric: which summary rows it reads and which way is better. */
interface Compared {
  title: string;
  scenario: string;
  metric: string;
  client: string;
  mode?: string;
  better: 'lower' | 'higher';
  unit: string;
}

const OUR_CLIENTS = { h2: 'node:http2', h3: '@currentspace/http3' } as const;

const COMPARED: Record<'h2' | 'h3', Compared[]> = {
  h3: [
    { title: 'startup cold', scenario: 'startup', metric: 'completionMs', client: OUR_CLIENTS.h3, mode: 'cold', better: 'lower', unit: 'ms' },
    { title: 'startup 0-RTT', scenario: 'startup', metric: 'completionMs', client: OUR_CLIENTS.h3, mode: '0-rtt', better: 'lower', unit: 'ms' },
    { title: 'startup gtlsclient cold', scenario: 'startup', metric: 'completionMs', client: 'gtlsclient', mode: 'cold', better: 'lower', unit: 'ms' },
    { title: 'startup gtlsclient 0-RTT', scenario: 'startup', metric: 'completionMs', client: 'gtlsclient', mode: '0-rtt', better: 'lower', unit: 'ms' },
    { title: 'startup gtlsclient 0-RTT+token', scenario: 'startup', metric: 'completionMs', client: 'gtlsclient', mode: '0-rtt+token', better: 'lower', unit: 'ms' },
    { title: '6 segments', scenario: 'multiplexed', metric: 'completionMs', client: OUR_CLIENTS.h3, better: 'lower', unit: 'ms' },
    { title: 'manifest under load', scenario: 'priority', metric: 'manifestMs', client: OUR_CLIENTS.h3, better: 'lower', unit: 'ms' },
    { title: 'goodput', scenario: 'throughput', metric: 'goodputMbitPerSec', client: OUR_CLIENTS.h3, better: 'higher', unit: 'Mbit/s' },
    { title: 'small objects', scenario: 'throughput', metric: 'smallReqPerSec', client: OUR_CLIENTS.h3, better: 'higher', unit: 'req/s' },
  ],
  h2: [
    { title: 'startup cold', scenario: 'startup', metric: 'completionMs', client: OUR_CLIENTS.h2, mode: 'cold', better: 'lower', unit: 'ms' },
    { title: 'startup resumed', scenario: 'startup', metric: 'completionMs', client: OUR_CLIENTS.h2, mode: 'resumed', better: 'lower', unit: 'ms' },
    { title: '6 segments', scenario: 'multiplexed', metric: 'completionMs', client: OUR_CLIENTS.h2, better: 'lower', unit: 'ms' },
    { title: 'manifest under load', scenario: 'priority', metric: 'manifestMs', client: OUR_CLIENTS.h2, better: 'lower', unit: 'ms' },
    { title: 'goodput', scenario: 'throughput', metric: 'goodputMbitPerSec', client: OUR_CLIENTS.h2, better: 'higher', unit: 'Mbit/s' },
    { title: 'small objects', scenario: 'throughput', metric: 'smallReqPerSec', client: OUR_CLIENTS.h2, better: 'higher', unit: 'req/s' },
  ],
};

/** A difference smaller than this (percent of Caddy's median) is listed apart: three repetitions do not tell it from noise. */
export const NOISE_PERCENT = 5;

/** One cell where h3edge's median is worse than Caddy's. */
export interface SlowerCell extends LinkSettings {
  protocol: 'h2' | 'h3';
  title: string;
  unit: string;
  ours: number;
  caddy: number;
  /** How much worse h3edge is, in percent of Caddy's median (always > 0). */
  worsePercent: number;
}

const condKey = (c: LinkSettings): string => `${c.rttMs}|${c.lossPercent}|${c.rateMbitPerSec}`;

function medianOf(rows: MedianRow[], server: string, protocol: string, m: Compared, c: LinkSettings): number | undefined {
  const r = rows.find((r) => r.server === server && r.protocol === protocol && r.client === m.client && r.mode === m.mode && r.metric === m.metric && r.n > 0 && condKey(r) === condKey(c));
  return r?.median;
}

/** Every cell of every compared metric in which both servers have a median, with h3edge's lag where it lags. */
export function compareWithCaddy(conditions: LinkSettings[], bySc: Map<string, MedianRow[]>): { tables: Record<'h2' | 'h3', Array<{ condition: LinkSettings; cells: Array<{ ours?: number; caddy?: number; slower: boolean }> }>>; slower: SlowerCell[]; compared: number } {
  const slower: SlowerCell[] = [];
  let compared = 0;
  const tables = { h2: [], h3: [] } as ReturnType<typeof compareWithCaddy>['tables'];
  for (const protocol of ['h3', 'h2'] as const) {
    for (const condition of conditions) {
      const cells = COMPARED[protocol].map((m) => {
        const rows = bySc.get(m.scenario) ?? [];
        const ours = medianOf(rows, 'h3edge', protocol, m, condition);
        const caddy = medianOf(rows, 'caddy', protocol, m, condition);
        if (ours === undefined || caddy === undefined || caddy <= 0) return { ours, caddy, slower: false };
        compared++;
        const worsePercent = ((m.better === 'lower' ? ours - caddy : caddy - ours) / caddy) * 100;
        if (worsePercent <= 0) return { ours, caddy, slower: false };
        slower.push({ ...condition, protocol, title: m.title, unit: m.unit, ours, caddy, worsePercent });
        return { ours, caddy, slower: true };
      });
      tables[protocol].push({ condition, cells });
    }
  }
  return { tables, slower, compared };
}

const num = (v: number | undefined, unit: string): string => (v === undefined ? '–' : unit === 'ms' || unit === 'req/s' ? v.toFixed(0) : v.toFixed(1));

/** The markdown section: two tables (h3, h2) of "h3edge / Caddy" medians, ✗ where h3edge is worse, then the list of those cells. */
export function versusCaddySection(conditions: LinkSettings[], bySc: Map<string, MedianRow[]>): string[] {
  const out = ['## h3edge against Caddy (medians, h3edge / Caddy; ✗ where h3edge is worse)', ''];
  const { tables, slower, compared } = compareWithCaddy(conditions, bySc);
  if (compared === 0) return [...out, 'Caddy did not run in this run (the smoke run measures h3edge only): nothing to compare.'];
  for (const protocol of ['h3', 'h2'] as const) {
    const metrics = COMPARED[protocol];
    out.push(`### ${protocol}`, '', `| RTT ms | loss % | Mbit/s | ${metrics.map((m) => `${m.title} ${m.unit}`).join(' | ')} |`, `| ---: | ---: | ---: | ${metrics.map(() => '---:').join(' | ')} |`);
    for (const { condition: c, cells } of tables[protocol]) {
      out.push(`| ${c.rttMs} | ${c.lossPercent} | ${c.rateMbitPerSec} | ${cells.map((x, i) => `${num(x.ours, (metrics[i] as Compared).unit)} / ${num(x.caddy, (metrics[i] as Compared).unit)}${x.slower ? ' ✗' : ''}`).join(' | ')} |`);
    }
    out.push('');
  }
  const clear = slower.filter((s) => s.worsePercent > NOISE_PERCENT).sort((a, b) => b.worsePercent - a.worsePercent);
  const close = slower.filter((s) => s.worsePercent <= NOISE_PERCENT);
  out.push(`h3edge is worse than Caddy in ${slower.length} of ${compared} cells: ${clear.length} by more than ${NOISE_PERCENT} %, ${close.length} by ${NOISE_PERCENT} % or less (within what three repetitions can tell apart).`, '');
  const line = (s: SlowerCell): string => `- ${s.protocol} ${s.title}, ${s.rttMs} ms / ${s.lossPercent} % / ${s.rateMbitPerSec} Mbit/s: ${num(s.ours, s.unit)} vs ${num(s.caddy, s.unit)} ${s.unit} (${s.worsePercent.toFixed(1)} % worse)`;
  if (clear.length > 0) out.push(`More than ${NOISE_PERCENT} % worse:`, '', ...clear.map(line), '');
  if (close.length > 0) out.push(`${NOISE_PERCENT} % or less:`, '', ...close.map(line));
  return out;
}
