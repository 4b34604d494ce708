import t from 'tap';
import { PrefetchLedger } from './prefetch-ledger.js';

t.test('a prefetched object asked for is used; one nobody asks for within the time, or pushed out, is wasted', async (t) => {
  let now = 0;
  const l = new PrefetchLedger({ now: () => now, ttlMs: 1000, maxEntries: 2 });
  l.started('a');
  l.started('b');
  t.ok(l.use('a'));
  t.notOk(l.use('a'), 'once');
  t.notOk(l.use('c'), 'never prefetched');
  l.started('c');
  l.started('d'); // b is pushed out
  now = 2000; // c and d expire
  l.skipped('cached');
  l.started('e');
  l.failed('e', 'limit_bytes');
  t.same(l.counts(), { started: 5, used: 1, wasted: 3, skipped: { cached: 1, limit_bytes: 1 } });
});
