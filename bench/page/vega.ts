// Vega-Lite specs rendered to SVG in node, once, when the page is built: the page carries the
// pictures, not the library, so it opens offline and draws nothing itself.
import { parse, View, type LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

/** One colour per server, the same on every chart of the page. */
export const SERVER_COLORS: Record<string, string> = {
  h3edge: '#1f6fb4',
  'h3edge-native': '#1f6fb4',
  'h3edge-mmap': '#1f6fb4',
  'h3edge-read': '#7fb2de',
  'h3edge-currentspace': '#6aaed6',
  caddy: '#e6711a',
  nginx: '#2ca02c',
  gtlsserver: '#6b6b6b',
};

/**
 * Vega's own encoding of a legend's symbols, which Vega-Lite passes through but does not type:
 * used where a legend must not take a layer's opacity or fill.
 */
export function legendSymbols(update: Record<string, { value: unknown }>): object {
  return { encode: { symbols: { update } } };
}

/** Looks shared by every chart: plain fonts, no chart border, titles left. */
export const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal', grid: true, gridColor: '#eee' },
  header: { labelFontSize: 12, titleFontSize: 12, labelFontWeight: 'bold' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal' },
  title: { anchor: 'start', fontSize: 13 },
} as const;

/**
 * Renames the SVG's element ids (Vega numbers gradients and clip paths with a counter global to
 * the process) to `<chart>-<n>` in order of appearance: unique among the page's inline SVGs, and
 * the same whatever was rendered before, so a page built twice is the same file.
 */
function scopeIds(svg: string, chart: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/ id="([^"]+)"/g)) if (!ids.has(m[1] as string)) ids.set(m[1] as string, `${chart}-${ids.size + 1}`);
  return svg.replace(/( id="|url\(#|href="#)([^")]+)/g, (all, lead: string, name: string) => (ids.has(name) ? `${lead}${ids.get(name)}` : all));
}

/** Thrown when Vega-Lite or Vega warned about a spec: the chart would not be the one asked for. */
export class ChartSpecError extends Error {
  readonly code = 'BENCH_CHART_SPEC';
}

/** Collects the libraries' warnings and errors instead of printing them. */
function collectingLogger(into: string[]): LoggerInterface {
  let level = 2;
  const logger: LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: readonly unknown[]) => (into.push(`error: ${a.join(' ')}`), logger),
    warn: (...a: readonly unknown[]) => (into.push(`warning: ${a.join(' ')}`), logger),
    info: () => logger,
    debug: () => logger,
  } as LoggerInterface;
  return logger;
}

/**
 * Compiles a Vega-Lite spec and renders it headless (no canvas: text widths are estimated) to
 * a standalone SVG element. Throws ChartSpecError if either library warned about the spec.
 */
export async function renderSvg(id: string, spec: TopLevelSpec): Promise<string> {
  const problems: string[] = [];
  const logger = collectingLogger(problems);
  const compiled = compile({ config: CONFIG, ...spec } as TopLevelSpec, { logger }).spec;
  const view = new View(parse(compiled), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    if (problems.length > 0) throw new ChartSpecError(`chart ${id}: ${problems.join('; ')}`);
    return scopeIds(svg, id);
  } finally {
    view.finalize();
  }
}
