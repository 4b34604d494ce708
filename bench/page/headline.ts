// Section 1: for each headline metric, the h3 / h2 ratio of medians over RTT × rate × loss, h3edge
// and Caddy side by side, on one diverging scale centred on 1 (blue: HTTP/3 better).
import type { ScenarioDoc } from '../lossy/report.js';
import type { Figure, Section } from './html.js';
import { OUR_CLIENT, SERVER_LABEL, conditionKey, conditionsOf, linkLabel, serversOf, spreads } from './lossy-data.js';

interface HeadlineMetric {
  id: string;
  title: string;
  scenario: string;
  metric: string;
  mode?: string;
  unit: string;
  better: 'lower' | 'higher';
  digits: number;
}

const METRICS: HeadlineMetric[] = [
  { id: 'startup', title: 'Player startup (cold connection)', scenario: 'startup', metric: 'completionMs', mode: 'cold', unit: 'ms', better: 'lower', digits: 0 },
  { id: 'six-segments', title: 'Six segments at once', scenario: 'multiplexed', metric: 'completionMs', unit: 'ms', better: 'lower', digits: 0 },
  { id: 'manifest', title: 'Manifest under load', scenario: 'priority', metric: 'manifestMs', unit: 'ms', better: 'lower', digits: 0 },
  { id: 'goodput', title: 'Bulk goodput', scenario: 'throughput', metric: 'goodputMbitPerSec', unit: 'Mbit/s', better: 'higher', digits: 1 },
];

/** Ratios beyond this (or its inverse) get the scale's end colour; the printed value stays exact. */
const RATIO_LIMIT = 4;

interface Cell {
  server: string;
  link: string;
  loss: string;
  ratio: number | null;
  text: string;
}

function cells(docs: ScenarioDoc[], m: HeadlineMetric): Cell[] {
  const samples = docs.flatMap((d) => d.samples);
  const out: Cell[] = [];
  for (const server of serversOf(samples)) {
    const h2 = spreads(samples, m.scenario, m.metric, { server, protocol: 'h2', client: OUR_CLIENT.h2, mode: m.mode });
    const h3 = spreads(samples, m.scenario, m.metric, { server, protocol: 'h3', client: OUR_CLIENT.h3, mode: m.mode });
    if (h2.size === 0 && h3.size === 0) continue;
    for (const c of conditionsOf(docs)) {
      const a = h2.get(conditionKey(c));
      const b = h3.get(conditionKey(c));
      const ok = a !== undefined && b !== undefined && a.n > 0 && b.n > 0 && a.median > 0;
      const ratio = ok ? b.median / a.median : null;
      const fmt = (s: typeof a): string => (s && s.n > 0 ? s.median.toFixed(m.digits) : 'failed');
      out.push({ server: SERVER_LABEL[server] ?? server, link: linkLabel(c), loss: String(c.lossPercent), ratio, text: `${ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`}\n${fmt(a)} → ${fmt(b)}` });
    }
  }
  return out;
}

function heatmap(m: HeadlineMetric, data: Cell[], links: string[], losses: string[]): Figure {
  const x = { field: 'loss', type: 'ordinal', sort: losses, title: 'loss per direction (%)', axis: { labelAngle: 0, grid: false, ticks: false, domain: false } } as const;
  const y = { field: 'link', type: 'ordinal', sort: links, title: 'RTT · rate', axis: { grid: false, ticks: false, domain: false } } as const;
  return {
    id: `headline-${m.id}`,
    title: `${m.title}: HTTP/3 ÷ HTTP/2`,
    caption: `Median ${m.unit} over the repetitions with our clients, h3 ÷ h2 in each cell, h2 → h3 medians below it (${m.better} is better). Blue: HTTP/3 ${m.better === 'lower' ? 'faster' : 'more'}; orange: HTTP/2; grey: a protocol had no successful run.`,
    spec: {
      data: { values: data },
      facet: { column: { field: 'server', type: 'nominal', title: null, sort: ['h3edge', 'Caddy'] } },
      spec: {
        width: losses.length * 92,
        height: links.length * 36,
        layer: [
          { mark: { type: 'rect', fill: '#e8e8e8' }, encoding: { x, y } },
          {
            transform: [{ filter: 'datum.ratio != null' }],
            mark: 'rect',
            encoding: {
              x,
              y,
              color: {
                field: 'ratio',
                type: 'quantitative',
                title: 'h3 ÷ h2',
                scale: { type: 'log', domain: [1 / RATIO_LIMIT, RATIO_LIMIT], domainMid: 1, clamp: true, scheme: 'blueorange', reverse: m.better === 'higher' },
                legend: { values: [0.25, 0.5, 1, 2, 4], format: '.2~f' },
              },
            },
          },
          {
            mark: { type: 'text', lineBreak: '\n', fontSize: 10.5, lineHeight: 13 },
            encoding: {
              x,
              y,
              text: { field: 'text' },
              color: { condition: { test: 'datum.ratio != null && abs(log(datum.ratio)) > 0.75', value: 'white' }, value: '#222' },
            },
          },
        ],
      },
    },
  };
}

/** The headline section; a metric whose scenario is not in the run says so instead of a chart. */
export function headlineSection(docs: ScenarioDoc[]): Section {
  const conditions = conditionsOf(docs);
  const links = [...new Set(conditions.map(linkLabel))];
  const losses = [...new Set(conditions.map((c) => c.lossPercent))].sort((a, b) => a - b).map(String);
  const figures: Figure[] = [];
  const missing: string[] = [];
  const servers = serversOf(docs.flatMap((d) => d.samples));
  for (const m of METRICS) {
    const data = cells(docs, m);
    if (data.length === 0) missing.push(`${m.title}: the ${m.scenario} scenario is not in this run.`);
    else figures.push(heatmap(m, data, links, losses));
  }
  if (docs.length > 0 && !servers.includes('caddy')) missing.push('Caddy did not run in this run (the smoke run measures h3edge only), so there is no Caddy column.');
  if (docs.length === 0) missing.splice(0, missing.length, 'This directory has no lossy-link results (lossy-&lt;scenario&gt;.json).');
  return {
    id: 'headline',
    title: 'Headline: HTTP/3 against HTTP/2',
    intro: 'For each headline metric the ratio of medians, HTTP/3 over HTTP/2, for every link condition: one row per RTT and rate, one column per loss rate. The colour scale is the same on every map and centred on 1.0 (no difference).',
    figures,
    missing,
  };
}
