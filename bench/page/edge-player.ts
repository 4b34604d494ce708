// Section: a player through an edge (bench/edge): startup and rebuffer time of a cold title with
// the edge's CMCD prefetch on and off, over HTTP/2 and HTTP/3, one bar per setting.
import type { EdgePlayerDoc } from '../edge/bench.js';
import { median } from '../lossy/stats.js';
import type { Figure, Section } from './html.js';
import { table } from './html.js';

const METRICS = [
  { key: 'startupMs', title: 'startup, ms' },
  { key: 'rebufferMs', title: 'rebuffering, ms' },
  { key: 'segmentFetchMs', title: 'segment fetch, ms (median of a run)' },
] as const;
const PREFETCH_COLORS = { on: '#1f6fb4', off: '#b9b9b9' } as const;

function chart(doc: EdgePlayerDoc): Figure {
  const rows: Array<Record<string, unknown>> = [];
  const points: Array<Record<string, unknown>> = [];
  const settings = [...new Set(doc.samples.map((s) => `${s.protocol}|${s.prefetch}`))].sort();
  const label = (k: string): string => {
    const [protocol, prefetch] = k.split('|') as [string, string];
    return `${protocol === 'h3' ? 'HTTP/3' : 'HTTP/2'}, prefetch ${prefetch}`;
  };
  for (const k of settings) {
    const of = doc.samples.filter((s) => `${s.protocol}|${s.prefetch}` === k);
    for (const m of METRICS) {
      const xs = of.map((s) => s[m.key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (xs.length === 0) continue;
      rows.push({ setting: label(k), prefetch: k.split('|')[1], metric: m.title, median: median(xs), lo: Math.min(...xs), hi: Math.max(...xs), text: String(Math.round(median(xs))) });
      for (const x of xs) points.push({ setting: label(k), metric: m.title, value: x });
    }
  }
  const names = settings.map(label);
  const y = { field: 'setting', type: 'nominal', sort: names, title: null, axis: { grid: false, ticks: false, labelLimit: 300 } } as const;
  return {
    id: 'edge-player',
    title: 'Player through an edge: startup, rebuffering and segment fetch time of a cold title',
    caption: `dash.js in Chromium, ${String((doc.settings as { playSeconds?: number }).playSeconds ?? '?')} s of a cold title per run through a fresh edge. Bars: median over ${String((doc.settings as { repetitions?: number }).repetitions ?? '?')} runs; black line: lowest to highest; dots: each run. Each metric has its own scale.`,
    spec: {
      facet: { column: { field: 'metric', type: 'nominal', sort: METRICS.map((m) => m.title), title: null, header: { labelFontSize: 13 } } },
      data: { values: [...rows.map((r) => ({ ...r, kind: 'bar' })), ...points.map((p) => ({ ...p, kind: 'run' }))] },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 220,
        height: names.length * 22,
        layer: [
          {
            transform: [{ filter: "datum.kind === 'bar'" }],
            mark: 'bar',
            encoding: { y, x: { field: 'median', type: 'quantitative', title: null }, color: { field: 'prefetch', type: 'nominal', scale: { domain: ['on', 'off'], range: [PREFETCH_COLORS.on, PREFETCH_COLORS.off] }, title: 'CMCD prefetch' } },
          },
          { transform: [{ filter: "datum.kind === 'bar'" }], mark: { type: 'rule', color: '#111' }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
          { transform: [{ filter: "datum.kind === 'run'" }], mark: { type: 'point', filled: true, size: 18, color: '#111', opacity: 0.6 }, encoding: { y, x: { field: 'value', type: 'quantitative' } } },
          { transform: [{ filter: "datum.kind === 'bar'" }], mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { y, x: { field: 'hi', type: 'quantitative' }, text: { field: 'text' } } },
        ],
      },
    },
  };
}

/** The section; without edge-player.json beside the run it says how to make one. */
export function edgePlayerSection(doc: EdgePlayerDoc | undefined): Section {
  const base = {
    id: 'edge-player',
    title: 'Player through an edge',
    intro:
      'A player 20 ms and 1 % loss away from an edge whose origin is 80 ms away (two emulated links in a row), a cold title each run: how long until the first frame, how long the player then stalls, and how long each media segment after the first took to arrive, with the edge acting on the player\'s CMCD next-object hints (prefetch on) and not.',
  };
  if (!doc || doc.samples.length === 0) return { ...base, figures: [], missing: ['No <code>edge-player.json</code> beside this run (<code>make bench-edge</code> writes it).'] };
  const rows = [...new Set(doc.samples.map((s) => `${s.protocol}|${s.prefetch}`))].sort().map((k) => {
    const of = doc.samples.filter((s) => `${s.protocol}|${s.prefetch}` === k);
    const [protocol, prefetch] = k.split('|') as [string, string];
    const hits = of.reduce((n, s) => n + s.edgeHits + s.edgeJoined, 0);
    const segments = of.reduce((n, s) => n + s.segments, 0);
    const startup = of.map((s) => s.startupMs).filter((v): v is number => v !== null);
    const fetch = of.map((s) => s.segmentFetchMs).filter((v): v is number => typeof v === 'number');
    return [protocol, prefetch, startup.length ? Math.round(median(startup)) : '-', Math.round(median(of.map((s) => s.rebufferMs))), median(of.map((s) => s.rebuffers)), fetch.length ? Math.round(median(fetch)) : '-', `${hits}/${segments}`, of.length];
  });
  return {
    ...base,
    figures: [chart(doc)],
    missing: [],
    html: table(['protocol', 'prefetch', 'startup ms (median)', 'rebuffer ms (median)', 'stalls (median)', 'segment fetch ms (median)', "segments after each track's first served without an upstream request", 'runs'], rows, 2),
  };
}
