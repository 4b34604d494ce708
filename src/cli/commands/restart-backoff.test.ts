import t from 'tap';
import { RestartBackoff } from './restart-backoff.js';

t.test('the delay doubles per crash in a row up to the ceiling, and a stable run starts over', async (t) => {
  let now = 0;
  const b = new RestartBackoff({ initialDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 60_000, crashLoopAfter: 3, clock: () => now });
  t.same([1, 2, 3, 4, 5].map(() => b.onCrash(10).delayMs), [100, 200, 400, 800, 1000]);
  t.ok(b.inCrashLoop(), 'five quick crashes are a loop');
  now += 120_000;
  t.notOk(b.inCrashLoop(), 'a quiet stretch ends the loop');
  const after = b.onCrash(120_000);
  t.same([after.delayMs, after.crashesInARow, after.crashLoop], [100, 1, false], 'a crash after a stable run starts from the first delay');
});
