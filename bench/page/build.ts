// Builds bench/results/index.html (or a kept run's page) from the run's JSON: the six sections
// in order, every chart rendered to SVG here, the page self-contained.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { enginesSection } from './engines.js';
import { edgePlayerSection } from './edge-player.js';
import { environmentSection } from './environment.js';
import { headOfLineSection } from './head-of-line.js';
import { headlineSection } from './headline.js';
import { pageHtml, esc, type Section } from './html.js';
import { smallMultiplesSection } from './small-multiples.js';
import { loadSources, type SourceDirs } from './sources.js';
import { renderSvg } from './vega.js';

/** Where the page's data comes from and where it goes. */
export interface PageRequest extends SourceDirs {
  out: string;
}

/** What was built: the page's path, its charts and the notes about missing data. */
export interface PageResult {
  out: string;
  charts: string[];
  missing: string[];
}

/** Reads the JSON, renders every chart and writes the page; throws if a chart fails to render. */
export async function buildPage(req: PageRequest): Promise<PageResult> {
  const sources = loadSources(req);
  const docs = sources.lossy;
  const sections: Section[] = [headlineSection(docs), smallMultiplesSection(docs), headOfLineSection(docs), edgePlayerSection(sources.edgePlayer), enginesSection(sources), environmentSection(sources)];
  const svgs = new Map<string, string>();
  for (const f of sections.flatMap((s) => s.figures)) svgs.set(f.id, await renderSvg(f.id, f.spec));
  const settings = docs[0]?.settings;
  const tree = docs[0]?.versions.h3edge ?? sources.h3Engines?.versions.h3edge ?? sources.cache?.versions.h3edge;
  const meta = [
    settings ? `Lossy-link run: ${esc(settings.size)}, ${esc(settings.conditionsDone ?? '?')} of ${esc((settings.conditions as unknown[] | undefined)?.length ?? '?')} conditions × ${esc(settings.repetitions)} repetitions` : 'No lossy-link run',
    tree ? `tree <code>${esc(tree)}</code>` : '',
    `built from ${sources.files.map((f) => `<code>${esc(f)}</code>`).join(', ') || 'nothing'} by <code>bench/run.ts --report-only</code>`,
  ].filter(Boolean);
  mkdirSync(dirname(req.out), { recursive: true });
  writeFileSync(req.out, pageHtml({ title: 'h3edge benchmark report', meta: meta.join(' · ') }, sections, svgs));
  return { out: req.out, charts: [...svgs.keys()], missing: sections.flatMap((s) => s.missing) };
}
