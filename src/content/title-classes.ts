import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readCatalogFile } from '../media/catalog-file.js';

/** How often the catalog's modification time is looked at. */
const CHECK_EVERY_MS = 10_000;

/**
 * Titles' classes (`film`, `episode`) from the media directory's `catalog.json`, for labels
 * that must stay a small set. Read in the background and again when the file changes (looked
 * at every 10 s at most); a title it does not list, or a node without a catalog (an edge before
 * its fill), is `unknown`. Never throws, never blocks a request.
 */
export class TitleClasses {
  private classes = new Map<string, string>();
  private mtimeMs = -1;
  private nextCheck = 0;

  constructor(
    private readonly mediaRoot: string,
    private readonly now: () => number,
  ) {}

  /** The class of `titleId` as last read. */
  classOf(titleId: string): string {
    const t = this.now();
    if (t >= this.nextCheck) {
      this.nextCheck = t + CHECK_EVERY_MS;
      void this.refresh().catch(() => undefined);
    }
    return this.classes.get(titleId) ?? 'unknown';
  }

  private async refresh(): Promise<void> {
    const file = join(this.mediaRoot, 'catalog.json');
    const st = await stat(file);
    if (st.mtimeMs === this.mtimeMs) return;
    const catalog = await readCatalogFile(file, st.size);
    this.classes = new Map(catalog.titles.map((t) => [String(t.id), typeof t.type === 'string' ? t.type : 'unknown']));
    this.mtimeMs = st.mtimeMs;
  }
}

/** The title a media path names: `/content/<title>/…` or `/t/<token>/content/<title>/…`; undefined otherwise. */
export function titleOfPath(pathname: string): string | undefined {
  const m = /^(?:\/t\/[^/]+)?\/content\/([^/]+)\//.exec(pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}
