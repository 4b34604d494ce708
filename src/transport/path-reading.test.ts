import t from 'tap';
import { PATH_READING_MAX_AGE_MS, pathReadingEvery } from './path-reading.js';

t.test('a connection path is read again only once its last reading is PATH_READING_MAX_AGE_MS old', async (t) => {
  let clock = 1000;
  let reads = 0;
  const path = pathReadingEvery(
    () => ({ rttMs: ++reads }),
    () => clock,
  );
  t.same(path(), { rttMs: 1 }, 'the first call reads');
  clock += PATH_READING_MAX_AGE_MS - 1;
  t.same(path(), { rttMs: 1 }, 'within the age: the last reading');
  clock += 1;
  t.same(path(), { rttMs: 2 }, 'at the age: read again');
  t.equal(reads, 2);
  const none = pathReadingEvery(() => undefined, () => clock);
  t.equal(none(), undefined, 'a transport that knows nothing yet: undefined');
});
