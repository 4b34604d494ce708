import type { CatalogEntry, EpisodeEntry, SeriesEntry } from '../media/catalog.js';
import type { CatalogView } from './catalog-source.js';
import { artworkUrls } from './artwork-spec.js';
import type { RowItem } from './rows.js';
import type { PlayableSummary, SeriesDetails, Tile, TitleDetails } from './api-shapes.js';

export type { Tile } from './api-shapes.js';


/** The tile of a film, series or episode id; null when the catalog no longer has it. */
export function tileFor(view: CatalogView, item: RowItem): Tile | null {
  const series = view.series.get(item.id);
  if (series) {
    const episodes = series.seasons.flatMap((s) => s.episodeIds);
    return base(series.id, 'series', series.title, `${episodes.length} episode${episodes.length === 1 ? '' : 's'}`, series.maturityRating, episodes[0] ?? series.id);
  }
  const t = view.titles.get(item.id);
  if (!t) return null;
  const tile =
    t.type === 'episode'
      ? base(t.id, 'episode', view.series.get(t.seriesId)?.title ?? t.title, `${episodeLabel(t)} · ${t.title}`, t.maturityRating, t.id)
      : base(t.id, 'film', t.title, String(t.year), t.maturityRating, t.id);
  return item.progress === undefined ? tile : { ...tile, progress: item.progress };
}

function base(id: string, kind: Tile['kind'], title: string, subtitle: string, maturityRating: string, playId: string): Tile {
  return { id, kind, title, subtitle, maturityRating, playId, image: artworkUrls(id, '16x9'), poster: artworkUrls(id, '2x3') };
}

function episodeLabel(e: EpisodeEntry): string {
  return `S${e.seasonNumber} E${e.episodeNumber}`;
}

/** `GET /v1/titles/:id`: a film, an episode (with its series and next episode) or a series with its episodes. */
export function titleDetails(view: CatalogView, id: string): TitleDetails | SeriesDetails | null {
  const series = view.series.get(id);
  if (series) return seriesDetails(view, series);
  const t = view.titles.get(id);
  if (!t) return null;
  const common = playableDetails(t);
  if (t.type === 'film') return common;
  const s = view.series.get(t.seriesId);
  const next = t.nextEpisodeId === null ? undefined : view.titles.get(t.nextEpisodeId);
  return {
    ...common,
    series: s ? { id: s.id, title: s.title } : undefined,
    seasonNumber: t.seasonNumber,
    episodeNumber: t.episodeNumber,
    nextEpisode: next ? playableSummary(next) : null,
  };
}

function seriesDetails(view: CatalogView, s: SeriesEntry): SeriesDetails {
  return {
    id: s.id,
    kind: 'series',
    title: s.title,
    synopsis: s.synopsis,
    maturityRating: s.maturityRating,
    year: s.year,
    genres: s.genres,
    image: artworkUrls(s.id, '16x9'),
    poster: artworkUrls(s.id, '2x3'),
    seasons: s.seasons.map((season) => ({
      seasonNumber: season.seasonNumber,
      episodes: season.episodeIds.map((eid) => view.titles.get(eid)).filter((e) => e !== undefined).map(playableSummary),
    })),
  };
}

function playableSummary(t: CatalogEntry): PlayableSummary {
  return {
    id: t.id,
    title: t.title,
    synopsis: t.synopsis,
    durationSec: t.durationSec,
    ...(t.type === 'episode' ? { seasonNumber: t.seasonNumber, episodeNumber: t.episodeNumber } : {}),
    image: artworkUrls(t.id, '16x9'),
  };
}

function playableDetails(t: CatalogEntry): TitleDetails {
  return {
    id: t.id,
    kind: t.type,
    title: t.title,
    synopsis: t.synopsis,
    maturityRating: t.maturityRating,
    year: t.year,
    genres: t.genres,
    durationSec: t.durationSec,
    audioLanguages: t.audioLanguages,
    subtitleLanguages: t.subtitleLanguages,
    maxHeight: t.maxHeight,
    image: artworkUrls(t.id, '16x9'),
    poster: artworkUrls(t.id, '2x3'),
  };
}
