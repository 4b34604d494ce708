// The page's HTML: sections of figures (an SVG each, rendered before), notes where a run lacks
// the data for a picture, and plain tables. No script, no outside resource.
import type { TopLevelSpec } from './vega.js';

/** A chart to draw: its Vega-Lite spec and the words around it. */
export interface Figure {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** One numbered part of the page; `missing` says what this run's JSON lacks for it. */
export interface Section {
  id: string;
  title: string;
  intro: string;
  figures: Figure[];
  missing: string[];
  /** Ready HTML (tables) after the figures. */
  html?: string;
}

/** Escapes text for HTML element content and attribute values. */
export const esc = (s: unknown): string => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A table of `rows` under `head`; cells are escaped. */
export function table(head: string[], rows: Array<Array<string | number>>, numericFrom = 1): string {
  const cell = (tag: string, v: string | number, i: number): string => `<${tag}${i >= numericFrom ? ' class="num"' : ''}>${esc(v)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`).join('')}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; margin: 0 auto; max-width: 1500px; padding: 0 24px 48px; }
h1 { font-size: 22px; margin: 24px 0 4px; }
h2 { font-size: 18px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid #ddd; }
h3 { font-size: 15px; margin: 20px 0 4px; }
p.meta { color: #555; margin: 0 0 12px; }
nav ol { margin: 4px 0 0; padding-left: 20px; }
figure.chart { margin: 8px 0 24px; overflow-x: auto; }
figure.chart figcaption { color: #444; max-width: 1100px; margin: 2px 0 6px; }
figure.chart svg { max-width: none; }
p.missing { background: #fff6e0; border-left: 4px solid #e6a317; padding: 6px 10px; max-width: 1100px; }
table { border-collapse: collapse; margin: 6px 0 16px; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; }
`;

/** The whole page; `svgs` maps figure ids to their rendered SVG. */
export function pageHtml(head: { title: string; meta: string }, sections: Section[], svgs: Map<string, string>): string {
  const figure = (f: Figure): string =>
    `<figure class="chart" id="${esc(f.id)}"><h3>${esc(f.title)}</h3><figcaption>${f.caption}</figcaption>${svgs.get(f.id) ?? ''}</figure>`;
  const section = (s: Section, i: number): string =>
    [
      `<section id="${esc(s.id)}"><h2>${i + 1}. ${esc(s.title)}</h2>`,
      `<p>${s.intro}</p>`,
      ...s.missing.map((m) => `<p class="missing">${m}</p>`),
      ...s.figures.map(figure),
      s.html ?? '',
      '</section>',
    ].join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(head.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>${esc(head.title)}</h1>`,
    `<p class="meta">${head.meta}</p>`,
    `<nav><ol>${sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join('')}</ol></nav>`,
    ...sections.map(section),
    '</body></html>',
    '',
  ].join('\n');
}
