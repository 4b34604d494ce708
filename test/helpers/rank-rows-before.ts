// rankRows as it was before the home rows were precomputed (issue 23), kept verbatim as the
// reference the precomputed rows must equal. Test code only.
import type { CatalogEntry, SeriesEntry } from '../../src/media/catalog.js';
import type { CatalogView } from '../../src/home/catalog-source.js';
import type { WatchHistoryView } from '../../src/home/watch-history.js';

/** A ranked row before pagination: ids of films, series or (continue watching) episodes. */
interface RankedRow {
  id: string;
  title: string;
  items: RowItem[];
}

interface RowItem {
  id: string;
  /** Fraction watched, for continue watching. */
  progress?: number;
}

/** What a browse tile stands for: a film, or a series as a whole. */
type Unit = CatalogEntry | SeriesEntry;

/** Watched at least this fraction: finished (the next episode is offered instead). */
const FINISHED = 0.95;
const TRENDING_MAX = 40;

/**
 * Ranks the home rows of a profile: continue watching (unfinished titles and the next episodes
 * of finished ones, most recent first), trending (decayed plays of everyone, then catalog
 * order, which is popularity order), "because you watched" the last title (by shared genres),
 * then one row per genre, genres the profile watches first. Empty rows are left out. Pure.
 */
export function rankRowsBefore(view: CatalogView, history: WatchHistoryView, profileId: string): RankedRow[] {
  const units = browseUnits(view);
  const recent = history.recent(profileId);
  const unitOf = (titleId: string): Unit | undefined => {
    const t = view.titles.get(titleId);
    return t?.type === 'episode' ? view.series.get(t.seriesId) : t ?? view.series.get(titleId);
  };
  const watchedUnits = dedupe(recent.map((r) => unitOf(r.titleId)).filter((u) => u !== undefined));
  const rows: RankedRow[] = [
    { id: 'continue', title: 'Continue watching', items: continueWatching(view, history, profileId) },
    {
      id: 'trending',
      title: 'Trending now',
      items: dedupe([...history.trending().map((p) => unitOf(p.titleId)).filter((u) => u !== undefined), ...units])
        .slice(0, TRENDING_MAX)
        .map((u) => ({ id: u.id })),
    },
  ];
  const last = watchedUnits[0];
  if (last) rows.push({ id: `because-${last.id}`, title: `Because you watched ${last.title}`, items: similarTo(last, units).map((u) => ({ id: u.id })) });
  rows.push(...genreRows(units, watchedUnits));
  return rows.filter((r) => r.items.length > 0);
}

function continueWatching(view: CatalogView, history: WatchHistoryView, profileId: string): RowItem[] {
  const items: RowItem[] = [];
  const seenSeries = new Set<string>();
  for (const r of history.recent(profileId)) {
    const t = view.titles.get(r.titleId);
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

function similarTo(seed: Unit, units: readonly Unit[]): Unit[] {
  const genres = new Set(seed.genres);
  return units
    .filter((u) => u.id !== seed.id)
    .map((u, order) => ({ u, order, shared: u.genres.filter((g) => genres.has(g)).length }))
    .filter((s) => s.shared > 0)
    .sort((a, b) => b.shared - a.shared || a.order - b.order)
    .map((s) => s.u);
}

function genreRows(units: readonly Unit[], watched: readonly Unit[]): RankedRow[] {
  const byGenre = new Map<string, Unit[]>();
  for (const u of units) for (const g of u.genres) byGenre.set(g, [...(byGenre.get(g) ?? []), u]);
  const affinity = (g: string): number => watched.filter((u) => u.genres.includes(g)).length;
  return [...byGenre]
    .sort(([a, ua], [b, ub]) => affinity(b) - affinity(a) || ub.length - ua.length || a.localeCompare(b))
    .map(([genre, list]) => ({ id: `genre-${slug(genre)}`, title: genre, items: list.map((u) => ({ id: u.id })) }));
}

/** Films and series in catalog order; episodes are reached through their series. */
function browseUnits(view: CatalogView): Unit[] {
  const units: Unit[] = [];
  const seen = new Set<string>();
  for (const t of view.catalog.titles) {
    const u = t.type === 'episode' ? view.series.get(t.seriesId) : t;
    if (u && !seen.has(u.id)) {
      seen.add(u.id);
      units.push(u);
    }
  }
  return units;
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
