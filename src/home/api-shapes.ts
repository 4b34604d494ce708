// Shapes of the browse, title and QoE JSON: the server builds them (src/home), the web app (web/)
// reads them. Types only and no imports, so the browser bundle shares them and cannot drift.

/** Artwork of one aspect ratio, srcset-ready. */
export interface ImageSet {
  src: string;
  srcset: string;
}

/** One browse tile. */
export interface Tile {
  id: string;
  kind: 'film' | 'series' | 'episode';
  title: string;
  /** `S1 E2 · Episode title` for episodes, `3 episodes` for series, the year for films. */
  subtitle: string;
  maturityRating: string;
  /** What the tile plays: the title itself, or a series' first episode. */
  playId: string;
  /** Landscape (16:9) artwork. */
  image: ImageSet;
  /** Portrait (2:3) artwork. */
  poster: ImageSet;
  /** Fraction watched, for "continue watching". */
  progress?: number;
}

/** One row of `GET /v1/home`; `next` is the cursor of its following tiles. */
export interface RowPage {
  id: string;
  title: string;
  tiles: Tile[];
  next?: string;
}

/** `GET /v1/home`: a page of ranked rows; `next` is the cursor of the following rows. */
export interface HomePage {
  rows: RowPage[];
  next?: string;
}

/** A film or episode as listed (a series' episodes, the next episode). */
export interface PlayableSummary {
  id: string;
  title: string;
  synopsis: string;
  durationSec: number;
  seasonNumber?: number;
  episodeNumber?: number;
  image: ImageSet;
}

/** `GET /v1/titles/:id` of a film or an episode. */
export interface TitleDetails {
  id: string;
  kind: 'film' | 'episode';
  title: string;
  synopsis: string;
  maturityRating: string;
  year: number;
  genres: string[];
  durationSec: number;
  audioLanguages: string[];
  subtitleLanguages: string[];
  maxHeight: number;
  image: ImageSet;
  poster: ImageSet;
  /** Episodes only. */
  series?: { id: string; title: string };
  seasonNumber?: number;
  episodeNumber?: number;
  nextEpisode?: PlayableSummary | null;
}

/** `GET /v1/titles/:id` of a series. */
export interface SeriesDetails {
  id: string;
  kind: 'series';
  title: string;
  synopsis: string;
  maturityRating: string;
  year: number;
  genres: string[];
  image: ImageSet;
  poster: ImageSet;
  seasons: Array<{ seasonNumber: number; episodes: PlayableSummary[] }>;
}

/** Why a player left a CDN: a timeout, a 5xx, a failed connection, sustained slow downloads. */
export type FailoverReason = 'timeout' | 'http' | 'network' | 'slow';

/** One thing a player reports; times in milliseconds, positions in seconds. */
export type QoeEvent =
  | { type: 'startup'; ms: number }
  | { type: 'rebuffer'; ms: number }
  | { type: 'switch'; height: number; kbps: number }
  | { type: 'failover'; reason: FailoverReason }
  | { type: 'progress'; positionSec: number; durationSec: number };

/** `POST /v1/qoe` body: the events of one playback session since the last beacon. */
export interface QoeBeacon {
  sessionId: string;
  events: QoeEvent[];
}
