import type { BrowseIndex, RowItem, Unit } from './browse-index.js';
import type { WatchHistoryView } from './watch-history.js';

export type { RowItem } from './browse-index.js';

/** A ranked row before pagination: ids of films, series or (continue watching) episodes. */
export interface RankedRow {
  id: string;
  title: string;
  items: readonly RowItem[];
}

/** Watched at least this fraction: finished (the next episode is offered instead). */
const FINISHED = 0.95;
const TRENDING_MAX = 40;

/**
 * Ranks the home rows of a profile: continue watching (unfinished titles and the next episodes
 * of finished ones, most recent first), trending (`trendingRow`), "because you watched" the last
 * title (by shared genres), then one row per genre, genres the profile watches first. Empty rows
 * are left out. Costs O(history + genres × watched) plus, for a seed not seen lately, one pass
 * over the catalog; row items are shared with the index. Pure apart from the index's cache.
 */
export function rankRows(index: BrowseIndex, history: WatchHistoryView, profileId: string, trending: RankedRow): RankedRow[] {
  const recent = history.recent(profileId);
  const watchedUnits = dedupe(recent.map((r) => index.unitOf(r.titleId)).filter((u) => u !== undefined));
  const rows: RankedRow[] = [{ id: 'continue', title: 'Continue watching', items: continueWatching(index, history, profileId) }, trending];
  const last = watchedUnits[0];
  if (last) rows.push({ id: `because-${last.id}`, title: `Because you watched ${last.title}`, items: index.similarTo(last) });
  rows.push(...genreRows(index, watchedUnits));
  return rows.filter((r) => r.items.length > 0);
}

/** Decayed plays of everyone, then catalog order (popularity order): the same for every profile. */
export function trendingRow(index: BrowseIndex, history: WatchHistoryView): RankedRow {
  const items: RowItem[] = [];
  const seen = new Set<string>();
  const add = (u: Unit | undefined): void => {
    if (u && items.length < TRENDING_MAX && !seen.has(u.id)) {
      seen.add(u.id);
      items.push({ id: u.id });
    }
  };
  for (const p of history.trending()) {
    if (items.length >= TRENDING_MAX) break;
    add(index.unitOf(p.titleId));
  }
  for (const u of index.units) {
    if (items.length >= TRENDING_MAX) break;
    add(u);
  }
  return { id: 'trending', title: 'Trending now', items };
}

function continueWatching(index: BrowseIndex, history: WatchHistoryView, profileId: string): RowItem[] {
  const items: RowItem[] = [];
  const seenSeries = new Set<string>();
  for (const r of history.recent(profileId)) {
    const t = index.view.titles.get(r.titleId);
    if (!t) continue;
    if (t.type === 'episode') {
      if (seenSeries.has(t.seriesId)) continue;
      seenSeries.add(t.seriesId);
    }
    const fraction = r.durationSec > 0 ? r.positionSec / r.durationSec : 0;
    if (fraction < FINISHED) items.push({ id: t.id, progress: round2(fraction) });
    else if (t.type === 'episode' && t.nextEpisodeId !== null) items.push({ id: t.nextEpisodeId, progress: 0 });
  }
  return items;
}

function genreRows(index: BrowseIndex, watched: readonly Unit[]): RankedRow[] {
  const affinity = new Map<string, number>();
  for (const u of watched) for (const g of new Set(u.genres)) affinity.set(g, (affinity.get(g) ?? 0) + 1);
  const of = (g: string): number => affinity.get(g) ?? 0;
  return [...index.genres]
    .sort(([a, ua], [b, ub]) => of(b) - of(a) || ub.length - ua.length || a.localeCompare(b))
    .map(([genre, items]) => ({ id: `genre-${slug(genre)}`, title: genre, items }));
}

function dedupe<T extends { id: string }>(list: readonly T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => !seen.has(x.id) && seen.add(x.id));
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
