import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './browser.js';

/** One chart of the benchmark page as Chromium drew it. */
export interface DrawnChart {
  id: string;
  /** Data marks (Vega's role-mark groups, axes and legends excluded) with a non-empty shape. */
  marks: number;
  /** Of those, the rule marks (link events on the head-of-line picture). */
  rules: number;
  width: number;
  height: number;
}

/** What the page showed: its sections in order with their charts and notes about missing data. */
export interface DrawnPage {
  sections: Array<{ id: string; charts: string[]; missing: string[] }>;
  charts: DrawnChart[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Every URL the page asked for (a self-contained page asks for none but itself). */
  requests: string[];
}

/**
 * Opens the benchmark page from its file in headless Chromium (no network), reads what it drew
 * and keeps a full-page screenshot at `screenshot`.
 */
export async function openReportPage(file: string, screenshot: string): Promise<DrawnPage> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => requests.push(r.url()));
    await page.setViewportSize({ width: 1500, height: 1000 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const drawn = await page.evaluate(() => {
      const charts = [...document.querySelectorAll<HTMLElement>('figure.chart')].map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        // Vega puts each data mark's items in a group "mark-<type> role-mark"; axes and legends have other roles.
        const items = [...f.querySelectorAll('g.role-mark > *')].filter((el) => {
          const d = el.getAttribute('d');
          if (el.tagName === 'path') return d !== null && d !== '' && !/^M0,0h0v0h0Z$/.test(d);
          if (el.tagName === 'line') return true;
          if (el.tagName === 'text') return (el.textContent ?? '').trim() !== '';
          return el.tagName === 'rect' || el.tagName === 'circle';
        });
        const rules = [...f.querySelectorAll('g.mark-rule.role-mark > line')].length;
        return { id: f.id, marks: items.length, rules, width: box?.width ?? 0, height: box?.height ?? 0 };
      });
      const sections = [...document.querySelectorAll('section')].map((s) => ({
        id: s.id,
        charts: [...s.querySelectorAll('figure.chart')].map((f) => f.id),
        missing: [...s.querySelectorAll('p.missing')].map((p) => p.textContent ?? ''),
      }));
      return { charts, sections };
    });
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { ...drawn, errors, requests };
  } finally {
    await browser.close();
  }
}
