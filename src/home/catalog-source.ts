import { statSync, type Stats } from 'node:fs';
import { validateCatalog, type Catalog, type CatalogEntry, type SeriesEntry } from '../media/catalog.js';
import { CATALOG_OFF_THREAD_BYTES, readCatalogFile } from '../media/catalog-file.js';

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
 * Reads `catalog.json` (written by the demo library script, the packaging pipeline or the fill)
 * and keeps the parsed copy until the file's size or mtime changes: every `current()` stats the
 * file (synchronously), so a rewritten catalog (new titles) is what the next request sees, without a restart.
 * Requests during a reload wait for that one reload, which never holds the event loop (large
 * files are parsed on a worker thread). A missing file is an empty catalog; an invalid one
 * throws `InvalidCatalog` (the caller answers 500 and logs it) and is tried again next time.
 */
export class CatalogSource {
  private cached: { key: string; view: CatalogView } | null = null;
  private loading: { key: string; view: Promise<CatalogView> } | null = null;

  constructor(
    private readonly file: string,
    private readonly offThreadBytes = CATALOG_OFF_THREAD_BYTES,
  ) {}

  async current(): Promise<CatalogView> {
    // A synchronous stat: the file's inode is in the kernel's cache (~2 µs), where a thread-pool
    // round trip would queue behind file reads (the background warm-up, cold segments).
    let st: Stats | null = null;
    try {
      st = statSync(this.file);
    } catch {
      // missing: an empty catalog
    }
    const key = st ? `${st.size}-${st.mtimeMs}` : 'missing';
    if (this.cached?.key === key) return this.cached.view;
    if (this.loading?.key !== key) {
      const view = this.load(key, st?.size ?? null);
      this.loading = { key, view };
      // Freed once settled: a failed load is tried again by the next request.
      void view.then(
        (v) => {
          if (this.loading?.key === key) this.loading = null;
          if (this.cached?.key !== key) this.cached = { key, view: v };
        },
        () => {
          if (this.loading?.key === key) this.loading = null;
        },
      );
    }
    return this.loading.view;
  }

  private async load(key: string, size: number | null): Promise<CatalogView> {
    const catalog = size === null ? EMPTY : validateCatalog(await readCatalogFile(this.file, size, this.offThreadBytes));
    return {
      catalog,
      titles: new Map(catalog.titles.map((t) => [t.id, t])),
      series: new Map(catalog.series.map((s) => [s.id, s])),
      version: key,
    };
  }
}
