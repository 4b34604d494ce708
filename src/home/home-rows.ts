import type { CatalogView } from './catalog-source.js';
import type { WatchHistoryView } from './watch-history.js';
import { BrowseIndex } from './browse-index.js';
import { rankRows, trendingRow, type RankedRow } from './rows.js';
import { tileFor } from './tiles.js';
import type { RowPage } from './api-shapes.js';
import { encodeCursor } from './cursor.js';
import { jsonRepresentation, type JsonRepresentation } from './cacheable-json.js';

export interface HomeRowsOptions {
  rowsPerPage: number;
  tilesPerPage: number;
  /** Profiles whose rows and pages are kept (least recently asked for dropped first). */
  maxProfiles?: number;
}

/** One profile's rows as of `key` (catalog version, its history, trending), with pages made so far. */
interface ProfileRows {
  key: string;
  rows: RankedRow[];
  /** `/v1/home` pages by row offset: body and ETag, made on first request. */
  pages: Map<number, JsonRepresentation>;
}

/**
 * The home rows, computed when something they depend on changed rather than per request: the
 * browse index once per catalog version, trending once per play, a profile's rows once per
 * change of the catalog, its history or trending, and each `/v1/home` page once per such rows.
 * A request for a known page is a map lookup; a new page costs O(rows × tiles). Profiles
 * without history share one entry. Entries are freed when replaced, or the least recently
 * used first past `maxProfiles`; the index and trending row with the next catalog version.
 */
export class HomeRows {
  private index: BrowseIndex | null = null;
  private trending: { key: string; row: RankedRow } | null = null;
  private readonly profiles = new Map<string, ProfileRows>();
  private readonly maxProfiles: number;

  constructor(
    private readonly history: WatchHistoryView,
    private readonly opts: HomeRowsOptions,
  ) {
    this.maxProfiles = opts.maxProfiles ?? 1000;
  }

  /** The browse index of `view`, built on its first use. */
  indexOf(view: CatalogView): BrowseIndex {
    if (this.index?.view !== view) this.index = new BrowseIndex(view);
    return this.index;
  }

  /** The ranked rows of `profileId` in `view`. */
  rows(view: CatalogView, profileId: string): RankedRow[] {
    return this.entry(view, profileId).rows;
  }

  /** `/v1/home` from row `offset`: rows with their first tiles, and the next page's cursor. */
  homePage(view: CatalogView, profileId: string, offset: number): JsonRepresentation {
    const entry = this.entry(view, profileId);
    const made = entry.pages.get(offset);
    if (made) return made;
    const end = offset + this.opts.rowsPerPage;
    const page = jsonRepresentation({
      rows: entry.rows.slice(offset, end).map((r) => this.rowPage(view, r, 0)),
      ...(end < entry.rows.length ? { next: encodeCursor(end) } : {}),
    });
    // Only offsets that are row pages are kept: a forged cursor cannot grow the map.
    if (offset % this.opts.rowsPerPage === 0 && offset < entry.rows.length) entry.pages.set(offset, page);
    return page;
  }

  /** Tiles of `row` from `offset`, with the next cursor: O(tiles per page). */
  rowPage(view: CatalogView, row: RankedRow, offset: number): RowPage {
    const tiles = row.items
      .slice(offset, offset + this.opts.tilesPerPage)
      .map((item) => tileFor(view, item))
      .filter((t) => t !== null);
    const end = offset + this.opts.tilesPerPage;
    return { id: row.id, title: row.title, tiles, ...(end < row.items.length ? { next: encodeCursor(end) } : {}) };
  }

  private entry(view: CatalogView, profileId: string): ProfileRows {
    const revision = this.history.revision(profileId);
    const trendingKey = `${view.version}|${this.history.trendingRevision()}`;
    const key = `${trendingKey}|${revision}`;
    // Every profile without history has the same rows.
    const name = revision === 0 ? '' : `p:${profileId}`;
    const kept = this.profiles.get(name);
    this.profiles.delete(name);
    if (kept?.key === key) {
      this.profiles.set(name, kept);
      return kept;
    }
    const index = this.indexOf(view);
    if (this.trending?.key !== trendingKey) this.trending = { key: trendingKey, row: trendingRow(index, this.history) };
    const entry: ProfileRows = { key, rows: rankRows(index, this.history, profileId, this.trending.row), pages: new Map() };
    this.profiles.set(name, entry);
    if (this.profiles.size > this.maxProfiles) this.profiles.delete(this.profiles.keys().next().value as string);
    return entry;
  }
}
