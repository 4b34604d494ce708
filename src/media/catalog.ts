/** How a title's media is addressed: segment files or byte ranges of one file per rendition. */
export type Delivery = 'segments' | 'byte-range';

/** Fields every playable title in `catalog.json` has. */
export interface CatalogEntryBase {
  /** Directory name under the media root; the server serves it at `/content/<id>/`. */
  id: string;
  title: string;
  synopsis: string;
  /** Rating label as shown to viewers (e.g. `TV-PG`, `12`). */
  maturityRating: string;
  year: number;
  genres: string[];
  durationSec: number;
  /** Manifest paths relative to the media root (`<id>/master.m3u8`, `<id>/manifest.mpd`). */
  manifests: { hls: string; dash: string };
  delivery: Delivery;
  audioLanguages: string[];
  subtitleLanguages: string[];
  /** Height of the top video rendition. */
  maxHeight: number;
}

export interface FilmEntry extends CatalogEntryBase {
  type: 'film';
}

export interface EpisodeEntry extends CatalogEntryBase {
  type: 'episode';
  seriesId: string;
  seasonNumber: number;
  episodeNumber: number;
  /** The episode to offer when this one ends; null for the last one. */
  nextEpisodeId: string | null;
}

export type CatalogEntry = FilmEntry | EpisodeEntry;

/** A series groups episodes; it has no media of its own. */
export interface SeriesEntry {
  id: string;
  title: string;
  synopsis: string;
  maturityRating: string;
  year: number;
  genres: string[];
  seasons: { seasonNumber: number; episodeIds: string[] }[];
}

/** `media/catalog.json`: written by the demo library script, read by the metadata API. */
export interface Catalog {
  version: 1;
  titles: CatalogEntry[];
  series: SeriesEntry[];
}

/** A catalog whose references do not hold together; `problems` lists each one. */
export class InvalidCatalog extends Error {
  override name = 'InvalidCatalog';
  constructor(readonly problems: string[]) {
    super(`invalid catalog: ${problems.join('; ')}`);
  }
}

/**
 * Checks the invariants readers rely on: unique ids, ids safe as path segments, every episode's
 * series and next episode exist, every series lists only its own episodes. Throws InvalidCatalog.
 */
export function validateCatalog(catalog: Catalog): Catalog {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const entry of [...catalog.titles, ...catalog.series]) {
    if (!/^[A-Za-z0-9_.-]+$/.test(entry.id) || entry.id.startsWith('.')) problems.push(`bad id "${entry.id}"`);
    if (ids.has(entry.id)) problems.push(`duplicate id "${entry.id}"`);
    ids.add(entry.id);
  }
  const episodes = new Map(catalog.titles.filter((e): e is EpisodeEntry => e.type === 'episode').map((e) => [e.id, e]));
  const seriesIds = new Set(catalog.series.map((s) => s.id));
  for (const e of episodes.values()) {
    if (!seriesIds.has(e.seriesId)) problems.push(`${e.id}: unknown series ${e.seriesId}`);
    if (e.nextEpisodeId !== null && episodes.get(e.nextEpisodeId)?.seriesId !== e.seriesId) {
      problems.push(`${e.id}: next episode ${e.nextEpisodeId} is not an episode of ${e.seriesId}`);
    }
  }
  for (const s of catalog.series) {
    for (const id of s.seasons.flatMap((season) => season.episodeIds)) {
      if (episodes.get(id)?.seriesId !== s.id) problems.push(`${s.id}: lists ${id}, which is not its episode`);
    }
  }
  for (const t of catalog.titles) if (!(t.durationSec > 0)) problems.push(`${t.id}: durationSec must be positive`);
  if (problems.length > 0) throw new InvalidCatalog(problems);
  return catalog;
}
