/** Shapes of the metadata API (`src/home/tiles.ts`, `src/home/home-routes.ts`). */
export interface ImageSet {
  src: string;
  srcset: string;
}

export interface Tile {
  id: string;
  kind: 'film' | 'series' | 'episode';
  title: string;
  subtitle: string;
  maturityRating: string;
  playId: string;
  image: ImageSet;
  poster: ImageSet;
  progress?: number;
}

export interface RowPage {
  id: string;
  title: string;
  tiles: Tile[];
  next?: string;
}

export interface HomePage {
  rows: RowPage[];
  next?: string;
}

export interface PlayableSummary {
  id: string;
  title: string;
  durationSec: number;
  seasonNumber?: number;
  episodeNumber?: number;
  image: ImageSet;
}

export interface TitleDetails extends PlayableSummary {
  kind: 'film' | 'episode';
  synopsis: string;
  maturityRating: string;
  year: number;
  series?: { id: string; title: string };
  nextEpisode?: PlayableSummary | null;
}
