import t from 'tap';
import { compareWithCaddy, NOISE_PERCENT, versusCaddySection, type MedianRow } from '../bench/lossy/versus.js';

// lossy.md's comparison with Caddy, on summary rows written out here: which way each metric is
// better, which cells count as compared, and that every worse cell is listed with its margin.

const link80 = { rttMs: 80, lossPercent: 0, rateMbitPerSec: 50 };
const link200 = { rttMs: 200, lossPercent: 5, rateMbitPerSec: 10 };
const row = (server: string, protocol: string, client: string, metric: string, median: number, link = link80, mode?: string): MedianRow => ({ ...link, server, protocol, client, mode, metric, median, n: 3 });
const H3 = '@currentspace/http3';
const H2 = 'node:http2';

t.test('lower-is-better and higher-is-better cells, per protocol', async (t) => {
  const bySc = new Map<string, MedianRow[]>([
    ['startup', [row('h3edge', 'h3', H3, 'completionMs', 628, link80, 'cold'), row('caddy', 'h3', H3, 'completionMs', 526, link80, 'cold'), row('h3edge', 'h2', H2, 'completionMs', 700, link80, 'cold'), row('caddy', 'h2', H2, 'completionMs', 732, link80, 'cold')]],
    ['throughput', [row('h3edge', 'h3', H3, 'goodputMbitPerSec', 12.5, link80), row('caddy', 'h3', H3, 'goodputMbitPerSec', 12.6, link80), row('h3edge', 'h3', H3, 'goodputMbitPerSec', 3.2, link200), row('caddy', 'h3', H3, 'goodputMbitPerSec', 0.5, link200)]],
    // Only h3edge ran this one: not a compared cell.
    ['priority', [row('h3edge', 'h3', H3, 'manifestMs', 114, link80)]],
  ]);
  const r = compareWithCaddy([link80, link200], bySc);
  t.equal(r.compared, 4, 'cells where both servers have a median');
  t.same(
    r.slower.map((s) => [s.protocol, s.title, s.rttMs, Number(s.worsePercent.toFixed(1))]),
    [
      ['h3', 'startup cold', 80, 19.4],
      ['h3', 'goodput', 80, 0.8],
    ],
    'h3 startup 628 vs 526 ms is worse, h2 startup 700 vs 732 is not; goodput 12.5 vs 12.6 is worse, 3.2 vs 0.5 is not',
  );
  const md = versusCaddySection([link80, link200], bySc).join('\n');
  t.match(md, /\| 80 \| 0 \| 50 \| 628 \/ 526 ✗ \|/, 'the h3 table marks the worse cell');
  t.match(md, /\| 80 \| 0 \| 50 \| 700 \/ 732 \|/, 'the h2 table does not mark a better one');
  t.match(md, /\| 200 \| 5 \| 10 \|[^\n]*\| 3\.2 \/ 0\.5 \|/, 'goodput with one decimal');
  t.match(md, /worse than Caddy in 2 of 4 cells: 1 by more than 5 %, 1 by 5 % or less/, 'the count, split at the noise margin');
  t.match(md, /- h3 startup cold, 80 ms \/ 0 % \/ 50 Mbit\/s: 628 vs 526 ms \(19\.4 % worse\)/, 'the clear one listed with its margin');
  t.match(md, /5 % or less:\n\n- h3 goodput, 80 ms \/ 0 % \/ 50 Mbit\/s: 12\.5 vs 12\.6 Mbit\/s \(0\.8 % worse\)/, 'the close one listed apart');
  t.equal(NOISE_PERCENT, 5);
});

t.test('a run without Caddy says so', async (t) => {
  const bySc = new Map<string, MedianRow[]>([['startup', [row('h3edge', 'h3', H3, 'completionMs', 628, link80, 'cold')]]]);
  const md = versusCaddySection([link80], bySc).join('\n');
  t.match(md, /Caddy did not run in this run/, 'one sentence instead of empty tables');
  t.notMatch(md, /### h3/, 'no tables');
});

t.test('a failed peer (n = 0) is not compared', async (t) => {
  const bySc = new Map<string, MedianRow[]>([['startup', [row('h3edge', 'h3', H3, 'completionMs', 628, link80, 'cold'), { ...row('caddy', 'h3', H3, 'completionMs', Number.NaN, link80, 'cold'), n: 0 }]]]);
  t.equal(compareWithCaddy([link80], bySc).compared, 0);
});
