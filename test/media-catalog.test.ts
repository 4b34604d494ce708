import t from 'tap';
import { InvalidCatalog, validateCatalog, type Catalog, type EpisodeEntry, type FilmEntry } from '../src/media/catalog.js';

const base = {
  synopsis: 's',
  maturityRating: 'PG',
  year: 2026,
  genres: ['Drama'],
  durationSec: 30,
  delivery: 'segments' as const,
  audioLanguages: ['en', 'fr'],
  subtitleLanguages: ['en'],
  maxHeight: 720,
};
const film: FilmEntry = { ...base, id: 'film', type: 'film', title: 'Film', manifests: { hls: 'film/master.m3u8', dash: 'film/manifest.mpd' } };
const episode = (n: number, next: string | null): EpisodeEntry => ({
  ...base,
  id: `show-e${n}`,
  type: 'episode',
  title: `E${n}`,
  manifests: { hls: `show-e${n}/master.m3u8`, dash: `show-e${n}/manifest.mpd` },
  seriesId: 'show',
  seasonNumber: 1,
  episodeNumber: n,
  nextEpisodeId: next,
});
const good = (): Catalog => ({
  version: 1,
  titles: [film, episode(1, 'show-e2'), episode(2, null)],
  series: [{ id: 'show', title: 'Show', synopsis: 's', maturityRating: 'PG', year: 2026, genres: [], seasons: [{ seasonNumber: 1, episodeIds: ['show-e1', 'show-e2'] }] }],
});

t.test('a consistent catalog passes unchanged', async (t) => {
  const c = good();
  t.equal(validateCatalog(c), c);
});

t.test('broken references and ids are each reported', async (t) => {
  const c = good();
  c.titles.push({ ...episode(3, 'film'), seriesId: 'nope' }, { ...film, id: '../etc' }, { ...film });
  (c.series[0]?.seasons[0]?.episodeIds as string[]).push('film');
  const err = t.throws(() => validateCatalog(c), InvalidCatalog) as unknown as InvalidCatalog;
  t.same(
    [...err.problems].sort(),
    [
      'bad id "../etc"',
      'duplicate id "film"',
      'show-e3: next episode film is not an episode of nope',
      'show-e3: unknown series nope',
      'show: lists film, which is not its episode',
    ].sort(),
  );
});
