// bench-catalog's report: JSON with every sample, a markdown table and an SVG per measure
// against catalog size (log scale: flat or logarithmic growth shows as a flat or straight line).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from '../common/machine.js';
import { renderSvg, type TopLevelSpec } from '../page/vega.js';
import { LOAD_KINDS, type CatalogSample } from './measure.js';

/** What issue 23 asks of a 10,000-title catalog. */
export const CATALOG_GOALS = { titles: 10_000, readyMs: 5000, homeP95Ms: 10, playbackP95Ms: 10, rssMB: 300 } as const;

export interface CatalogDoc {
  settings: { sizes: number[]; requests: number; concurrency: number; quick: boolean; warmupRequests?: number };
  goals: typeof CATALOG_GOALS;
  machine: ReturnType<typeof machine>;
  node: string;
  /** Seconds to hard-link each size's titles (added to the previous size's). */
  buildSec: Record<string, number>;
  samples: CatalogSample[];
}

export async function writeCatalogReport(out: string, doc: CatalogDoc): Promise<void> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'catalog.json'), `${JSON.stringify(doc, null, 2)}\n`);
  const s = doc.settings;
  const md = [
    '# Catalog size',
    '',
    `Hard-linked copies of the demo film, \`--workers 1\`, ${doc.machine.cpus} × ${doc.machine.cpuModel}, node ${doc.node}. Latencies: ${s.requests} requests of each kind, ${s.concurrency} at a time on one HTTP/2 connection (p50 / p95 ms)${s.warmupRequests ? `, after ${s.warmupRequests} unmeasured requests of each kind` : ''}. \`home+h\`: a profile that watched 20 titles.`,
    `Goal at ${CATALOG_GOALS.titles} titles: ready ≤ ${CATALOG_GOALS.readyMs / 1000} s, home p95 ≤ ${CATALOG_GOALS.homeP95Ms} ms, playback p95 ≤ ${CATALOG_GOALS.playbackP95Ms} ms, RSS ≤ ${CATALOG_GOALS.rssMB} MB.`,
    '',
    '| titles | ready (s) | RSS ready (MB) | heap after GC (MB) | RSS after load (MB) | heap after load (MB) | home | home+h | title | playback | manifest | errors |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...doc.samples.map((x) => {
      if (x.failed) return `| ${x.titles} | failed: ${x.failed.replace(/\|/g, '/')} | | | | | | | | | | |`;
      const l = (k: (typeof LOAD_KINDS)[number]): string => `${x.load[k].p50Ms} / ${x.load[k].p95Ms}`;
      const errors = LOAD_KINDS.reduce((n, k) => n + x.load[k].errors, 0);
      return `| ${x.titles} | ${(x.readyMs / 1000).toFixed(2)} | ${x.rssAfterReadyMB} | ${x.heapAfterGcMB} | ${x.rssAfterLoadMB} | ${x.heapAfterLoadMB ?? '–'} | ${l('home')} | ${l('homeWithHistory')} | ${l('title')} | ${l('playback')} | ${l('manifest')} | ${errors} |`;
    }),
    '',
    `Building the libraries (hard links, cumulative): ${Object.entries(doc.buildSec).map(([n, sec]) => `${n} titles ${sec} s`).join(', ')}.`,
    '',
  ].join('\n');
  writeFileSync(join(out, 'catalog.md'), md);
  const rows = doc.samples.filter((x) => !x.failed).flatMap((x) => [
    { titles: x.titles, panel: 'ready (s)', measure: 'ready', value: x.readyMs / 1000 },
    { titles: x.titles, panel: 'memory (MB)', measure: 'RSS after ready', value: x.rssAfterReadyMB },
    { titles: x.titles, panel: 'memory (MB)', measure: 'heap after GC', value: x.heapAfterGcMB },
    { titles: x.titles, panel: 'memory (MB)', measure: 'RSS after load', value: x.rssAfterLoadMB },
    ...LOAD_KINDS.map((k) => ({ titles: x.titles, panel: 'p95 under load (ms)', measure: k, value: x.load[k].p95Ms })),
  ]);
  const spec: TopLevelSpec = {
    title: 'Catalog size: readiness, memory and p95 latency',
    data: { values: rows },
    facet: { row: { field: 'panel', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent', color: 'independent' } },
    spec: {
      width: 560,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'titles', type: 'quantitative', scale: { type: 'log' }, title: 'titles in the catalog' },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'measure', type: 'nominal', title: null },
      },
    },
  };
  writeFileSync(join(out, 'catalog.svg'), await renderSvg('catalog', spec));
}
