// Section 2: one panel per RTT × rate, loss along x, at most four lines (a server's colour, a
// protocol's or client's dash) with a band over the repetitions; the other peers in charts of their own.
import type { ScenarioDoc } from '../lossy/report.js';
import type { Figure, Section } from './html.js';
import { OUR_CLIENT, SERVER_LABEL, conditionKey, conditionsOf, spreads, type Peer } from './lossy-data.js';
import { SERVER_COLORS, legendSymbols } from './vega.js';

interface Line extends Peer {
  /** What the dash stands for on this chart: protocol, client or mode. */
  variant: string;
}

interface Multiples {
  id: string;
  title: string;
  scenario: string;
  metric: string;
  unit: string;
  /** Two variants at most: the first dashed, the second solid. */
  lines: Line[];
  caption: string;
}

const ours = (mode?: string): Line[] =>
  ['h3edge', 'caddy'].flatMap((server) => [
    { server, protocol: 'h2' as const, client: OUR_CLIENT.h2, mode, variant: 'HTTP/2' },
    { server, protocol: 'h3' as const, client: OUR_CLIENT.h3, mode, variant: 'HTTP/3' },
  ]);

const perServer = (a: Omit<Line, 'server'>, b: Omit<Line, 'server'>): Line[] => ['h3edge', 'caddy'].flatMap((server) => [{ ...a, server }, { ...b, server }]);

const MAIN: Multiples[] = [
  { id: 'startup', title: 'Player startup, cold connection', scenario: 'startup', metric: 'completionMs', unit: 'ms', lines: ours('cold'), caption: 'Every startup object in parallel on a new connection, from connect to the last byte.' },
  { id: 'six-segments', title: 'Six segments at once', scenario: 'multiplexed', metric: 'completionMs', unit: 'ms', lines: ours(), caption: 'Six video segments requested together on a warm connection, until the last byte.' },
  { id: 'connection-stall', title: 'Time the whole connection received nothing', scenario: 'multiplexed', metric: 'connectionStallMs', unit: 'ms', lines: ours(), caption: 'In the six-segment run: gaps longer than the stall threshold (RTT + 50 ms, at least 100 ms) during which no stream got a byte — head-of-line blocking.' },
  { id: 'manifest', title: 'Manifest under load', scenario: 'priority', metric: 'manifestMs', unit: 'ms', lines: ours(), caption: 'A manifest requested while four segments download on the same connection, request to last byte.' },
  { id: 'goodput', title: 'Bulk goodput', scenario: 'throughput', metric: 'goodputMbitPerSec', unit: 'Mbit/s', lines: ours(), caption: 'Three segments one after another on one connection.' },
  { id: 'small-objects', title: 'Small objects per second', scenario: 'throughput', metric: 'smallReqPerSec', unit: 'req/s', lines: ours(), caption: 'Small responses, ten requests in flight.' },
];

const OTHERS: Multiples[] = [
  {
    id: 'startup-resumed',
    title: 'Startup on a resumed connection (our clients)',
    scenario: 'startup',
    metric: 'completionMs',
    unit: 'ms',
    lines: perServer({ protocol: 'h2', client: OUR_CLIENT.h2, mode: 'resumed', variant: 'HTTP/2 resumed' }, { protocol: 'h3', client: OUR_CLIENT.h3, mode: '0-rtt', variant: 'HTTP/3 0-RTT' }),
    caption: 'The startup objects again with the ticket of the cold run: TLS resumption over TCP, 0-RTT early data over QUIC.',
  },
  {
    id: 'startup-external',
    title: 'Startup with nghttp (HTTP/2) and gtlsclient (HTTP/3)',
    scenario: 'startup',
    metric: 'completionMs',
    unit: 'ms',
    lines: perServer({ protocol: 'h2', client: 'nghttp', mode: 'cold', variant: 'nghttp, HTTP/2' }, { protocol: 'h3', client: 'gtlsclient', mode: 'cold', variant: 'gtlsclient, HTTP/3' }),
    caption: 'The startup objects fetched by nghttp2\'s and ngtcp2\'s command-line clients, cold, timed around the whole process.',
  },
  {
    id: 'startup-gtlsclient-0rtt',
    title: 'gtlsclient: cold against 0-RTT',
    scenario: 'startup',
    metric: 'completionMs',
    unit: 'ms',
    lines: perServer({ protocol: 'h3', client: 'gtlsclient', mode: 'cold', variant: 'cold' }, { protocol: 'h3', client: 'gtlsclient', mode: '0-rtt', variant: '0-RTT' }),
    caption: 'ngtcp2\'s client with a fresh handshake and with the previous run\'s ticket and early data.',
  },
  {
    id: 'small-objects-h2load',
    title: 'Small objects per second: h2load (HTTP/2) against our HTTP/3 client',
    scenario: 'throughput',
    metric: 'smallReqPerSec',
    unit: 'req/s',
    lines: perServer({ protocol: 'h2', client: 'h2load', variant: 'h2load, HTTP/2' }, { protocol: 'h3', client: OUR_CLIENT.h3, variant: 'ours, HTTP/3' }),
    caption: 'h2load\'s small-object rate beside our HTTP/3 client\'s.',
  },
];

interface Point {
  rtt: string;
  rate: string;
  loss: string;
  server: string;
  variant: string;
  series: string;
  /** The server's colour, for the band (which stays out of the legend). */
  band: string;
  median: number;
  lo: number;
  hi: number;
}

function points(docs: ScenarioDoc[], m: Multiples): Point[] {
  const samples = docs.flatMap((d) => d.samples);
  const conditions = conditionsOf(docs);
  const out: Point[] = [];
  for (const line of m.lines) {
    const byCondition = spreads(samples, m.scenario, m.metric, line);
    for (const c of conditions) {
      const s = byCondition.get(conditionKey(c));
      if (!s || s.n === 0) continue;
      const server = SERVER_LABEL[line.server] ?? line.server;
      out.push({ rtt: `RTT ${c.rttMs} ms`, rate: `${c.rateMbitPerSec} Mbit/s`, loss: String(c.lossPercent), server, variant: line.variant, series: `${server} ${line.variant}`, band: SERVER_COLORS[line.server] ?? '#444', median: s.median, lo: s.min, hi: s.max });
    }
  }
  return out;
}

/** Log y when some panel spans more than a factor of 10 (and nothing is zero). */
function needsLog(data: Point[]): boolean {
  if (data.some((p) => p.lo <= 0)) return false;
  const panels = new Map<string, number[]>();
  for (const p of data) panels.set(`${p.rtt}|${p.rate}`, [...(panels.get(`${p.rtt}|${p.rate}`) ?? []), p.lo, p.hi]);
  return [...panels.values()].some((v) => Math.max(...v) / Math.min(...v) > 10);
}

function chart(m: Multiples, data: Point[], docs: ScenarioDoc[]): Figure {
  const conditions = conditionsOf(docs);
  const rtts = [...new Set(conditions.map((c) => c.rttMs))].sort((a, b) => a - b).map((r) => `RTT ${r} ms`);
  const rates = [...new Set(conditions.map((c) => c.rateMbitPerSec))].sort((a, b) => a - b).map((r) => `${r} Mbit/s`);
  const losses = [...new Set(conditions.map((c) => c.lossPercent))].sort((a, b) => a - b).map(String);
  const log = needsLog(data);
  const servers = [...new Set(data.map((p) => p.server))];
  const variants = [...new Set(m.lines.map((l) => l.variant))];
  const x = { field: 'loss', type: 'ordinal', sort: losses, title: 'loss per direction (%)', axis: { labelAngle: 0 }, scale: { padding: 0.3 } } as const;
  const y = { type: 'quantitative', title: `${m.unit}${log ? ' (log)' : ''}`, axis: { tickCount: 5 }, scale: log ? ({ type: 'log', nice: false, padding: 6 } as const) : ({ type: 'linear', zero: true, nice: true } as const) } as const;
  const color = { field: 'server', type: 'nominal', title: null, scale: { domain: servers, range: servers.map((s) => SERVER_COLORS[s.toLowerCase()] ?? '#444') }, legend: { symbolType: 'stroke', symbolStrokeWidth: 3, ...legendSymbols({ opacity: { value: 1 } }) } } as const;
  return {
    id: `multiples-${m.id}`,
    title: m.title,
    caption: `${m.caption} Median over the repetitions; the band spans their lowest and highest value${log ? '; log y, as the range needs it' : ''}. Each panel has its own y scale. A point is missing where every repetition failed (see <code>lossy.md</code>).`,
    spec: {
      data: { values: data },
      facet: { row: { field: 'rtt', type: 'ordinal', sort: rtts, title: null }, column: { field: 'rate', type: 'ordinal', sort: rates, title: null } },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: Math.max(200, losses.length * 60),
        height: 150,
        layer: [
          { mark: { type: 'area', opacity: 0.14 }, encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: { field: 'band', type: 'nominal', scale: null }, detail: { field: 'series' } } },
          {
            mark: { type: 'line', point: { size: 22 }, strokeWidth: 1.8 },
            encoding: {
              x,
              y: { ...y, field: 'median' },
              color,
              strokeDash: { field: 'variant', type: 'nominal', title: null, scale: { domain: variants, range: [[6, 3], [1, 0]] }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 500, ...legendSymbols({ stroke: { value: '#333' } }) } },
            },
          },
        ],
      },
    },
  };
}

/** The small-multiples section: the four main lines per metric, then the other peers. */
export function smallMultiplesSection(docs: ScenarioDoc[]): Section {
  const figures: Figure[] = [];
  const missing: string[] = [];
  const scenarios = new Set(docs.map((d) => d.scenario as string));
  for (const m of [...MAIN, ...OTHERS]) {
    const data = points(docs, m);
    if (data.length > 0) figures.push(chart(m, data, docs));
    else if (docs.length > 0) missing.push(`${m.title}: ${scenarios.has(m.scenario) ? 'none of these clients ran in this run' : `the ${m.scenario} scenario is not in this run`}.`);
  }
  if (docs.length === 0) missing.splice(0, missing.length, 'This directory has no lossy-link results.');
  return {
    id: 'multiples',
    title: 'Every condition, peer by peer',
    intro: 'One panel per RTT (rows) and rate (columns), loss along x. Colour is the server, the dash the protocol or client: h3edge and Caddy over HTTP/2 and HTTP/3 with our clients first, then the other clients and modes in charts of their own.',
    figures,
    missing,
  };
}
