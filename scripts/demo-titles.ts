// The demo library's titles: what make-demo-library.ts packages and tests check (sources, lengths,
// delivery, languages, catalog metadata).
import type { CatalogEntry, Delivery, SeriesEntry } from '../src/media/catalog.js';

/** One title of the demo library. */
export interface DemoTitle {
  id: string;
  source: string;
  durationSec: number;
  delivery: Delivery;
  languages: string[];
  /** CENC-encrypted; its content key goes to the key store. */
  encrypted?: boolean;
  meta: EntryMeta<CatalogEntry>;
}

/** What the catalog entry says beyond what packaging finds out; per member of the film/episode union. */
export type EntryMeta<T> = T extends unknown ? Omit<T, 'id' | 'durationSec' | 'manifests' | 'delivery' | 'audioLanguages' | 'subtitleLanguages' | 'maxHeight'> : never;

export const SERIES: SeriesEntry = {
  id: 'signal-and-noise',
  title: 'Signal & Noise',
  synopsis: 'Three short episodes in which a test pattern learns to listen. Each one speaks English, French and German.',
  maturityRating: 'TV-G',
  year: 2026,
  genres: ['Documentary', 'Technology'],
  seasons: [{ seasonNumber: 1, episodeIds: ['signal-and-noise-s01e01', 'signal-and-noise-s01e02', 'signal-and-noise-s01e03'] }],
};

const EPISODES = [
  { source: 'lavfi:testsrc', title: 'Pilot Tone', synopsis: 'A lone sine wave searches for a carrier.', delivery: 'segments' },
  { source: 'lavfi:smptehdbars', title: 'Bars', synopsis: 'The colour bars hold a meeting; nobody blinks.', delivery: 'byte-range' },
  { source: 'lavfi:testsrc2', title: 'Sync', synopsis: 'Audio and video finally agree on what time it is.', delivery: 'segments' },
] as const;

export const TITLES: DemoTitle[] = [
  {
    id: 'long-test-pattern',
    source: 'lavfi:testsrc2',
    durationSec: 60,
    delivery: 'segments',
    languages: ['en', 'fr'],
    meta: {
      type: 'film',
      title: 'The Long Test Pattern',
      synopsis: 'A minute in the life of a moving test pattern, with a tone that changes key when you change language.',
      maturityRating: 'PG',
      year: 2026,
      genres: ['Drama', 'Experimental'],
    },
  },
  {
    id: 'locked-test-pattern',
    source: 'lavfi:testsrc',
    durationSec: 20,
    delivery: 'segments',
    languages: ['en', 'fr'],
    encrypted: true,
    meta: {
      type: 'film',
      title: 'The Locked Test Pattern',
      synopsis: 'The same pattern behind a key: plays after the license server agrees.',
      maturityRating: 'PG',
      year: 2026,
      genres: ['Thriller', 'Experimental'],
    },
  },
  ...EPISODES.map((e, i): DemoTitle => {
    const episodeIds = SERIES.seasons[0]?.episodeIds ?? [];
    return {
      id: episodeIds[i] as string,
      source: e.source,
      durationSec: 30,
      delivery: e.delivery,
      languages: ['en', 'fr', 'de'],
      meta: {
        type: 'episode',
        title: e.title,
        synopsis: e.synopsis,
        maturityRating: SERIES.maturityRating,
        year: SERIES.year,
        genres: SERIES.genres,
        seriesId: SERIES.id,
        seasonNumber: 1,
        episodeNumber: i + 1,
        nextEpisodeId: episodeIds[i + 1] ?? null,
      },
    };
  }),
];
