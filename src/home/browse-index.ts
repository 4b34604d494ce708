import type { CatalogEntry, SeriesEntry } from '../media/catalog.js';
import type { CatalogView } from './catalog-source.js';

/** What a browse tile stands for: a film, or a series as a whole. */
export type Unit = CatalogEntry | SeriesEntry;

/** An item of a row: a film, series or episode id (with progress in continue watching). */
export interface RowItem {
  id: string;
  /** Fraction watched, for continue watching. */
  progress?: number;
}

/** Seeds of "because you watched" whose rows are kept (each is up to one item per unit). */
const SIMILAR_KEPT = 64;

/**
 * What the home rows need from one version of the catalog, computed once when that version is
 * first used: browse units in catalog (popularity) order, their items, and the units of each
 * genre. "Because you watched" rows are computed per seed on first use and the last
 * SIMILAR_KEPT kept. Immutable apart from that cache; dropped with its catalog version.
 */
export class BrowseIndex {
  /** Films and series in catalog order; episodes are reached through their series. */
  readonly units: readonly Unit[];
  /** `{id}` of each unit, shared by every row that lists it. */
  readonly items: readonly RowItem[];
  /** Genres with their units' items in catalog order, in first-seen order. */
  readonly genres: ReadonlyMap<string, readonly RowItem[]>;
  private readonly position = new Map<string, number>();
  private readonly similar = new Map<string, readonly RowItem[]>();

  constructor(readonly view: CatalogView) {
    const units: Unit[] = [];
    for (const t of view.catalog.titles) {
      const u = t.type === 'episode' ? view.series.get(t.seriesId) : t;
      if (u && !this.position.has(u.id)) {
        this.position.set(u.id, units.length);
        units.push(u);
      }
    }
    this.units = units;
    this.items = units.map((u) => ({ id: u.id }));
    const genres = new Map<string, RowItem[]>();
    units.forEach((u, i) => {
      for (const g of u.genres) {
        const list = genres.get(g);
        if (list) list.push(this.items[i] as RowItem);
        else genres.set(g, [this.items[i] as RowItem]);
      }
    });
    this.genres = genres;
  }

  /** The browse unit of a title id (a film, the series of an episode, or a series id). */
  unitOf(titleId: string): Unit | undefined {
    const t = this.view.titles.get(titleId);
    return t?.type === 'episode' ? this.view.series.get(t.seriesId) : t ?? this.view.series.get(titleId);
  }

  /** Units sharing a genre with `seed`, most shared genres first, then catalog order; `seed` left out. */
  similarTo(seed: Unit): readonly RowItem[] {
    const kept = this.similar.get(seed.id);
    if (kept) {
      this.similar.delete(seed.id);
      this.similar.set(seed.id, kept);
      return kept;
    }
    const genres = new Set(seed.genres);
    // Buckets by shared count: a counting sort, stable in catalog order.
    const buckets: RowItem[][] = [];
    this.units.forEach((u, i) => {
      if (u.id === seed.id) return;
      let shared = 0;
      for (const g of u.genres) if (genres.has(g)) shared++;
      if (shared > 0) (buckets[shared] ??= []).push(this.items[i] as RowItem);
    });
    const row = buckets.reverse().flatMap((b) => b ?? []);
    this.similar.set(seed.id, row);
    if (this.similar.size > SIMILAR_KEPT) this.similar.delete(this.similar.keys().next().value as string);
    return row;
  }
}
