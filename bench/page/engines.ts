// Section 4: the loopback benchmarks (bench/h3: HTTP/3 engines; bench/cache: segment cache),
// one run's medians as bars with the repetitions' range, per workload and metric.
import type { Sample } from '../common/samples.js';
import { median } from '../lossy/stats.js';
import type { Figure, Section } from './html.js';
import type { EngineDoc, PageSources } from './sources.js';
import { SERVER_COLORS } from './vega.js';

const METRICS: Array<{ field: keyof Sample; title: string }> = [
  { field: 'mbPerSec', title: 'MB/s' },
  { field: 'reqPerSec', title: 'req/s' },
  { field: 'cpuSecPerGB', title: 'server CPU s per GB' },
  { field: 'rssMB', title: 'server RSS MB' },
];

const SERVER_NAMES: Record<string, string> = {
  'h3edge-native': 'h3edge, native engine',
  'h3edge-currentspace': 'h3edge on quiche',
  'h3edge-mmap': 'h3edge, mmap cache',
  'h3edge-read': 'h3edge, read path',
  caddy: 'Caddy',
  nginx: 'nginx (HTTP/2 only)',
  gtlsserver: "ngtcp2's gtlsserver",
};

function bars(id: string, title: string, caption: string, doc: EngineDoc): Figure {
  const servers = [...new Set(doc.samples.map((s) => s.server))];
  const workloads = [...new Set(doc.samples.map((s) => s.workload))];
  const rows: Array<Record<string, unknown>> = [];
  for (const workload of workloads) {
    for (const server of servers) {
      const of = doc.samples.filter((s) => s.workload === workload && s.server === server);
      if (of.length === 0) continue;
      for (const m of METRICS) {
        const xs = of.map((s) => Number(s[m.field]));
        rows.push({ workload, server: SERVER_NAMES[server] ?? server, metric: m.title, median: median(xs), lo: Math.min(...xs), hi: Math.max(...xs), label: formatValue(median(xs)) });
      }
    }
  }
  const names = servers.map((s) => SERVER_NAMES[s] ?? s);
  const y = { field: 'server', type: 'nominal', sort: names, title: null, axis: { grid: false, ticks: false, labelLimit: 400 } } as const;
  return {
    id,
    title,
    caption: `${caption} Bars: median over ${doc.settings.repeats ?? '?'} runs; black line: lowest to highest run. Each metric has its own scale.`,
    spec: {
      data: { values: rows },
      facet: {
        row: { field: 'workload', type: 'nominal', sort: workloads, title: null, header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelFontWeight: 'normal', labelColor: '#555' } },
        column: { field: 'metric', type: 'nominal', sort: METRICS.map((m) => m.title), title: null, header: { labelFontSize: 13 } },
      },
      resolve: { scale: { x: 'independent' } },
      spacing: { column: 36, row: 8 },
      spec: {
        width: 190,
        height: names.length * 17,
        layer: [
          { mark: 'bar', encoding: { y, x: { field: 'median', type: 'quantitative', title: null }, color: { field: 'server', type: 'nominal', sort: names, scale: { domain: names, range: servers.map((s) => SERVER_COLORS[s] ?? '#888') }, legend: null } } },
          { mark: { type: 'rule', color: '#111' }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
          { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { y, x: { field: 'hi', type: 'quantitative' }, text: { field: 'label' } } },
        ],
      },
    },
  };
}

/** What served the cache run, in its order: "h3edge's mmap cache, h3edge's read path and Caddy's file_server". */
function cacheServers(doc: EngineDoc): string {
  const phrases: Record<string, string> = {
    'h3edge-mmap': "h3edge's mmap cache",
    'h3edge-read': "h3edge's read path",
    caddy: "Caddy's file_server",
    nginx: 'nginx (sendfile; HTTP/2 only)',
  };
  const names = [...new Set(doc.samples.map((s) => phrases[s.server] ?? s.server))];
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Three significant digits, whole numbers from 100 on. */
function formatValue(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3)));
}

/** The engines-and-cache section; each missing JSON file is named instead of its chart. */
export function enginesSection(sources: PageSources): Section {
  const figures: Figure[] = [];
  const missing: string[] = [];
  if (sources.h3Engines) {
    figures.push(bars('engines-h3', 'HTTP/3 engines (loopback, gtlsclient)', "h3edge on its native engine (ngtcp2 + nghttp3) and on quiche (@currentspace/http3), Caddy, and ngtcp2's own gtlsserver as the ceiling; ngtcp2's gtlsclient fetches the same files from each.", sources.h3Engines));
  } else missing.push('No <code>h3-engines.json</code> beside this run (<code>make bench-h3</code> writes it).');
  if (sources.cache) {
    figures.push(bars('engines-cache', 'Segment cache (loopback, h2load and gtlsclient)', `The same segments from ${cacheServers(sources.cache)}, over HTTP/2 (h2load) and HTTP/3 (gtlsclient), and random byte ranges over HTTP/2.`, sources.cache));
  } else missing.push('No <code>cache.json</code> beside this run (<code>make bench-cache</code> writes it).');
  return {
    id: 'engines',
    title: 'Engines and cache',
    intro: 'The loopback benchmarks: how fast each server moves bytes and answers small requests, and what it costs in CPU and memory. One run of each, medians of its repetitions.',
    figures,
    missing,
  };
}
