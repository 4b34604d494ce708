import { readFile, stat } from 'node:fs/promises';
import { validateCatalog, type Catalog, type CatalogEntry, type SeriesEntry } from '../media/catalog.js';

/** The catalog as the metadata API reads it, with lookups by id. */
export interface CatalogView {
  readonly catalog: Catalog;
  /** Playable titles (films and episodes) by id. */
  readonly titles: ReadonlyMap<string, CatalogEntry>;
  readonly series: ReadonlyMap<string, SeriesEntry>;
  /** Identity of this version of the catalog (changes when the file is rewritten). */
  readonly version: string;
}

const EMPTY: Catalog = { version: 1, titles: [], series: [] };

/**
 * Reads `catalog.json` (written by the demo library script or the packaging pipeline) and keeps
 * the parsed copy until the file's size or mtime changes. A missing file is an empty catalog; an
 * invalid one throws `InvalidCatalog` (the caller answers 500 and logs it).
 */
export class CatalogSource {
  private cached: { key: string; view: CatalogView } | null = null;

  constructor(private readonly file: string) {}

  async current(): Promise<CatalogView> {
    const st = await stat(this.file).catch(() => null);
    const key = st ? `${st.size}-${st.mtimeMs}` : 'missing';
    if (this.cached?.key === key) return this.cached.view;
    const catalog = st ? validateCatalog(JSON.parse(await readFile(this.file, 'utf8')) as Catalog) : EMPTY;
    const view: CatalogView = {
      catalog,
      titles: new Map(catalog.titles.map((t) => [t.id, t])),
      series: new Map(catalog.series.map((s) => [s.id, s])),
      version: key,
    };
    this.cached = { key, view };
    return view;
  }
}
