// Turns samples into bench/results/lossy-<scenario>.json and lossy.md (the page with the
// pictures is bench/page/).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkSettings, PingCheck, RelayCounters } from './link.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { median, p95 } from './stats.js';
import type { ConnectionTrace } from './trace.js';
import { versusCaddySection, type MedianRow } from './versus.js';

/** One measurement with who made it and on which link. */
export interface LossySample extends LinkSettings {
  server: string;
  protocol: 'h2' | 'h3';
  client: string;
  scenario: string;
  mode?: string;
  repetition: number;
  metrics?: Record<string, number>;
  streamsMs?: number[];
  /** Multiplexed scenario, our clients: the streams' bytes over time and the link's events. */
  trace?: ConnectionTrace;
  error?: string;
}

/** The emulator's own check for one condition. */
export interface EmulatorCheck extends LinkSettings {
  queueBytes: number;
  ping: PingCheck;
  relay?: RelayCounters;
  /** Frames the relay dropped at random / IP frames it saw, per direction, in percent. */
  relayLossPercent?: { cliToSrv: number; srvToCli: number };
}

/** A metric's median over one peer's repetitions at one condition (the comparison reads these), with its p95 and failures. */
export interface SummaryRow extends MedianRow {
  p95: number;
  errors: number;
}

/** One scenario's JSON file as the benchmark writes it. */
export interface ScenarioDoc {
  scenario: ScenarioName;
  settings: Record<string, unknown>;
  versions: Record<string, string | number>;
  emulator: EmulatorCheck[];
  summary: SummaryRow[];
  samples: LossySample[];
}

/** Columns of the markdown table, per scenario. */
const SHOWN: Record<string, { metrics: string[] }> = {
  startup: { metrics: ['completionMs'] },
  multiplexed: { metrics: ['completionMs', 'connectionStallMs', 'maxStalledAtOnce'] },
  priority: { metrics: ['manifestTtfbMs', 'manifestMs', 'bulkMs'] },
  throughput: { metrics: ['goodputMbitPerSec', 'smallReqPerSec'] },
};

const peerOf = (s: { server: string; protocol: string; client: string; mode?: string }): string => `${s.server} ${s.protocol} (${s.client}${s.mode ? `, ${s.mode}` : ''})`;
const condOf = (s: LinkSettings): string => `${s.rttMs}|${s.lossPercent}|${s.rateMbitPerSec}`;

/** Medians and p95 of every metric per condition and peer; failed samples are counted, not averaged in. */
export function summarize(samples: LossySample[]): SummaryRow[] {
  const groups = new Map<string, LossySample[]>();
  for (const s of samples) {
    const k = `${condOf(s)}|${peerOf(s)}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  const rows: SummaryRow[] = [];
  for (const group of groups.values()) {
    const first = group[0] as LossySample;
    const ok = group.filter((s) => s.metrics);
    const metrics = [...new Set(ok.flatMap((s) => Object.keys(s.metrics ?? {})))];
    const base = { rttMs: first.rttMs, lossPercent: first.lossPercent, rateMbitPerSec: first.rateMbitPerSec, server: first.server, protocol: first.protocol, client: first.client, mode: first.mode };
    const errors = group.length - ok.length;
    if (metrics.length === 0) rows.push({ ...base, metric: 'none', median: NaN, p95: NaN, n: 0, errors });
    for (const metric of metrics) {
      const xs = ok.map((s) => s.metrics?.[metric]).filter((v): v is number => typeof v === 'number');
      rows.push({ ...base, metric, median: Number(median(xs).toFixed(2)), p95: Number(p95(xs).toFixed(2)), n: xs.length, errors });
    }
  }
  return rows;
}

/** The headline columns: one metric of one scenario, h3edge over h2 and h3 with our clients. */
const HEADLINE: Array<{ title: string; scenario: string; metric: string; mode?: string; digits: number }> = [
  { title: 'startup ms', scenario: 'startup', metric: 'completionMs', mode: 'cold', digits: 0 },
  { title: '6 segments ms', scenario: 'multiplexed', metric: 'completionMs', digits: 0 },
  { title: 'connection stalled ms', scenario: 'multiplexed', metric: 'connectionStallMs', digits: 0 },
  { title: 'streams stalled at once', scenario: 'multiplexed', metric: 'maxStalledAtOnce', digits: 0 },
  { title: 'manifest under load ms', scenario: 'priority', metric: 'manifestMs', digits: 0 },
  { title: 'goodput Mbit/s', scenario: 'throughput', metric: 'goodputMbitPerSec', digits: 1 },
];
const OUR_CLIENTS: Record<string, string> = { h2: 'node:http2', h3: '@currentspace/http3' };

/** One row per link condition: h3edge's h2 / h3 medians side by side (the full tables follow). */
function headline(emulator: EmulatorCheck[], bySc: Map<string, SummaryRow[]>): string[] {
  const cell = (c: LinkSettings, h: (typeof HEADLINE)[number], protocol: string): string => {
    const r = bySc.get(h.scenario)?.find((r) => condOf(r) === condOf(c) && r.server === 'h3edge' && r.protocol === protocol && r.client === OUR_CLIENTS[protocol] && r.mode === h.mode && r.metric === h.metric && r.n > 0);
    return r ? r.median.toFixed(h.digits) : '–';
  };
  const out = ['## Headline: h3edge, HTTP/2 / HTTP/3 (medians, our clients)', ''];
  out.push(`| RTT ms | loss % | Mbit/s | ${HEADLINE.map((h) => `${h.title} h2 / h3`).join(' | ')} |`, `| ---: | ---: | ---: | ${HEADLINE.map(() => '---:').join(' | ')} |`);
  for (const c of emulator) out.push(`| ${c.rttMs} | ${c.lossPercent} | ${c.rateMbitPerSec} | ${HEADLINE.map((h) => `${cell(c, h, 'h2')} / ${cell(c, h, 'h3')}`).join(' | ')} |`);
  return out;
}

function markdown(settings: object, emulator: EmulatorCheck[], bySc: Map<string, SummaryRow[]>): string {
  // File sizes are in the JSON; the table header stays readable.
  const { titleBytes: _sizes, ...brief } = settings as Record<string, unknown>;
  const out = ['# h2 vs h3 on an emulated lossy link', '', `Settings: \`${JSON.stringify(brief)}\``, '', ...headline(emulator, bySc), '', ...versusCaddySection(emulator, bySc), '', '## Emulator check (ping from the client namespace; relay counters)', ''];
  out.push('| RTT ms | loss %/dir | rate Mbit/s | ping RTT ms | ping loss % (expected) | relay loss % cli→srv / srv→cli | within tolerance |', '| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const e of emulator) {
    const rl = e.relayLossPercent ? `${e.relayLossPercent.cliToSrv} / ${e.relayLossPercent.srvToCli}` : '–';
    out.push(`| ${e.rttMs} | ${e.lossPercent} | ${e.rateMbitPerSec} | ${e.ping.rttAvgMs} | ${e.ping.lossPercent} (${e.ping.expectedLossPercent}) | ${rl} | ${e.ping.rttWithin10Percent && e.ping.lossWithinTolerance ? 'yes' : 'NO'} |`);
  }
  for (const [scenario, rows] of bySc) {
    const shown = SHOWN[scenario]?.metrics ?? [];
    out.push('', `## ${scenario}`, '', `Medians (p95) over repetitions; n = samples, err = failed runs.`, '');
    out.push(`| RTT | loss % | Mbit/s | peer | ${shown.join(' | ')} | n | err |`, `| ---: | ---: | ---: | --- | ${shown.map(() => '---:').join(' | ')} | ---: | ---: |`);
    const peers = new Map<string, SummaryRow[]>();
    for (const r of rows) peers.set(`${condOf(r)}|${peerOf(r)}`, [...(peers.get(`${condOf(r)}|${peerOf(r)}`) ?? []), r]);
    for (const group of peers.values()) {
      const r0 = group[0] as SummaryRow;
      const cells = shown.map((m) => {
        const r = group.find((g) => g.metric === m);
        return r && r.n > 0 ? `${r.median} (${r.p95})` : '–';
      });
      out.push(`| ${r0.rttMs} | ${r0.lossPercent} | ${r0.rateMbitPerSec} | ${peerOf(r0)} | ${cells.join(' | ')} | ${Math.max(...group.map((g) => g.n))} | ${r0.errors} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The scenario files of a run directory, in scenario order (a targeted run has only some). */
export function readScenarioDocs(dir: string): ScenarioDoc[] {
  return SCENARIOS.map((scenario) => join(dir, `lossy-${scenario}.json`))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as ScenarioDoc);
}

/** Rewrites lossy.md from a run's JSON files (after changing how results are shown); the JSON stays as measured. Returns the markdown. */
export function rewriteSummary(outDir: string): string {
  const docs = readScenarioDocs(outDir);
  const first = docs[0];
  if (!first) throw new Error(`no lossy-<scenario>.json in ${outDir}`);
  const bySc = new Map(docs.map((d) => [d.scenario as string, summarize(d.samples)]));
  const md = markdown(first.settings, first.emulator, bySc);
  writeFileSync(join(outDir, 'lossy.md'), md);
  return md;
}

/** Writes the JSON of every scenario the plan runs and lossy.md; returns the markdown. */
export function writeReports(outDir: string, settings: { scenarios: readonly ScenarioName[] } & Record<string, unknown>, versions: object, emulator: EmulatorCheck[], samples: LossySample[]): string {
  mkdirSync(outDir, { recursive: true });
  const bySc = new Map<string, SummaryRow[]>();
  for (const scenario of settings.scenarios) {
    const mine = samples.filter((s) => s.scenario === scenario);
    const summary = summarize(mine);
    bySc.set(scenario, summary);
    writeFileSync(join(outDir, `lossy-${scenario}.json`), JSON.stringify({ scenario, settings, versions, emulator, summary, samples: mine }, null, 1));
  }
  const md = markdown(settings, emulator, bySc);
  writeFileSync(join(outDir, 'lossy.md'), md);
  return md;
}
