import t from 'tap';
import { DuressMonitor, type DuressLimits } from './duress.js';

t.test('egress over the limit is duress until it falls below 90 % of it; CPU likewise', async (t) => {
  let now = 0;
  let cpuUs = 0;
  let limits: DuressLimits = { egressBitsPerSec: 8_000_000, cpuPercent: 0, maxBitrateKbps: 800, normalMaxBitrateKbps: 50_000 };
  const m = new DuressMonitor({ limits: () => limits, now: () => now, cpuUsage: () => ({ user: cpuUs, system: 0 }) });
  t.same(m.advice(), { maxBitrateKbps: 50_000, duress: false });
  // 2.5 MB in the 2 s window = 10 Mbit/s.
  for (let i = 0; i < 10; i++) {
    now += 100;
    m.recordBytes(250_000);
  }
  t.same(m.advice(), { maxBitrateKbps: 800, duress: true });
  now += 1500; // the first half of the window leaves: 1.25 MB over 2 s = 5 Mbit/s
  t.equal(m.reading().duress, true, 'below 90 % of the limit, but not for long yet');
  now += 5000;
  t.equal(m.reading().egressBitsPerSec, 0, 'the window forgets');
  t.equal(m.reading().duress, true, 'still held');
  now += 5000;
  t.equal(m.reading().duress, false, 'calm for 10 s: out of duress');
  limits = { ...limits, egressBitsPerSec: 0, cpuPercent: 50 };
  now += 300;
  cpuUs += 240_000; // 240 ms of CPU in 300 ms: 80 %
  m.reading();
  now += 300;
  cpuUs += 240_000;
  t.same(m.advice(), { maxBitrateKbps: 800, duress: true }, 'CPU over its limit');
  limits = { ...limits, cpuPercent: 0 };
  t.same(m.advice(), { maxBitrateKbps: 50_000, duress: false }, 'a reload that lifts the limits applies at once');
});
