import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPage } from '../bench/page/build.js';
import { attachLinkEvents, parseLinkEvents } from '../bench/lossy/link-events.js';
import { MAX_POINTS, TRACE_STEP_BYTES, streamPoints, type ConnectionTrace } from '../bench/lossy/trace.js';
import { openReportPage } from './helpers/report-page.js';
import { scratchDir } from './helpers/scratch.js';

// The benchmark report page without running a benchmark: its building blocks on made-up data,
// and the kept reference runs' pages, which must be what `bench/run.ts --report-only` makes of
// their JSON today and must draw in Chromium. The smoke run's page is tested in bench-lossy.test.ts.
const ROOT = join(import.meta.dirname, '..');
const REFERENCE = join(ROOT, 'bench/reference');
const ARTIFACTS = join(import.meta.dirname, 'artifacts');

/** Every kept lossy run and the engine run of the same tree drawn on its page (see bench/reference/README.md). */
const KEPT_PAGES: Array<{ dir: string; engines?: string }> = [
  { dir: 'lossy-full-2026-11-25' },
  { dir: 'lossy-full-2026-12-01', engines: 'engines-2026-12-01' },
  { dir: 'hol-2026-12-07' },
  { dir: 'lossy-full-2026-12-07' },
];

t.test('a stream trace keeps one point per 16 KiB and both ends of every gap, and stays bounded', async (t) => {
  // 1 KiB every ms for 100 ms, nothing for 300 ms, then 1 KiB every ms again.
  const chunks: Array<[number, number]> = [];
  for (let i = 0; i < 100; i++) chunks.push([1000 + i, 1024]);
  for (let i = 0; i < 100; i++) chunks.push([1400 + i, 1024]);
  const points = streamPoints(chunks, 1000);
  t.same(points[0], [0, 1024], 'first chunk');
  t.same(points.at(-1), [499, 200 * 1024], 'last chunk: the whole body');
  t.ok(points.some(([at, b]) => at === 99 && b === 100 * 1024), 'the gap starts where the last byte before it arrived');
  t.ok(points.some(([at, b]) => at === 400 && b === 101 * 1024), 'and ends with the first byte after it');
  t.ok(points.length <= 2 + (200 * 1024) / TRACE_STEP_BYTES + 2, `${points.length} points for 200 chunks`);
  const many: Array<[number, number]> = Array.from({ length: 50_000 }, (_, i) => [i * 20, 100]);
  const bounded = streamPoints(many, 0);
  t.ok(bounded.length <= MAX_POINTS, `50,000 chunks, each after a gap: ${bounded.length} points (at most ${MAX_POINTS})`);
  t.same(bounded.at(-1), [999_980, 5_000_000], 'the last point is still the whole body');
});

t.test("link events: a connection gets its own flow's events, on its time axis, bounded", async (t) => {
  const ms = (x: number): string => String(x * 1e6);
  const log = [
    `bToA random ${ms(1000)} ${ms(1040)} 6 8443 40000`, // server→client, our connection
    `aToB random ${ms(1010)} ${ms(1050)} 6 40000 8443`, // client→server, ours
    `bToA retransmit ${ms(1100)} ${ms(1140)} 6 8443 40000`,
    `bToA random ${ms(1020)} ${ms(1060)} 6 8443 40001`, // another local port
    `bToA random ${ms(1020)} ${ms(1060)} 17 8443 40000`, // UDP
    `bToA queue ${ms(900)} ${ms(990)} 6 8443 40000`, // before the requests went out
    `bToA random ${ms(3000)} ${ms(3040)} 6 8443 40000`, // after the last byte
    'garbage',
  ].join('\n');
  const { events, unreadable } = parseLinkEvents(`${log}\n`);
  t.equal(unreadable, 1, 'an unreadable line is counted, not fatal');
  const trace: ConnectionTrace = { t0MonotonicMs: 1000, flow: { transport: 'tcp', serverPort: 8443, localPort: 40000 }, streams: [] };
  attachLinkEvents(trace, events, 1000);
  t.same(trace.events, [
    { atMs: 40, dir: 'srvToCli', kind: 'random' },
    { atMs: 50, dir: 'cliToSrv', kind: 'random' },
    { atMs: 140, dir: 'srvToCli', kind: 'retransmit' },
  ]);
  const quic: ConnectionTrace = { t0MonotonicMs: 1000, flow: { transport: 'udp', serverPort: 8443 }, streams: [] };
  attachLinkEvents(quic, events, 1000);
  t.same(quic.events, [{ atMs: 60, dir: 'srvToCli', kind: 'random' }], 'QUIC: UDP to the server port (the client library does not tell its local port)');
  const flood = parseLinkEvents(Array.from({ length: 6000 }, (_, i) => `bToA random ${ms(1000 + i / 10)} ${ms(1001 + i / 10)} 6 8443 40000`).join('\n')).events;
  const bounded: ConnectionTrace = { ...trace, events: undefined };
  attachLinkEvents(bounded, flood, 10_000);
  t.equal(bounded.events?.length, 5000, 'at most 5,000 events per connection');
  t.equal(bounded.eventsLeftOut, 1000, 'the rest counted');
});

t.test('every kept reference run has its page, as --report-only makes it from the JSON today', async (t) => {
  const withJson = readdirSync(REFERENCE).filter((d) => existsSync(join(REFERENCE, d, 'lossy-multiplexed.json')));
  t.same(KEPT_PAGES.map((p) => p.dir).sort(), withJson.sort(), 'the kept lossy runs are the ones listed here');
  const out = scratchDir('h3edge-bench-page-');
  for (const kept of KEPT_PAGES) {
    const dir = join(REFERENCE, kept.dir);
    const built = await buildPage({ lossyDir: dir, enginesDir: kept.engines ? join(REFERENCE, kept.engines) : dir, out: join(out, `${kept.dir}.html`) });
    t.ok(built.charts.length > 0, `${kept.dir}: ${built.charts.length} charts`);
    const committed = join(dir, 'index.html');
    t.ok(existsSync(committed), `${kept.dir}/index.html is kept`);
    if (!existsSync(committed)) continue;
    // Re-render with: tsx bench/run.ts --report-only --out bench/reference/<dir> [--engines bench/reference/<engines dir>]
    t.ok(readFileSync(committed, 'utf8') === readFileSync(built.out, 'utf8'), `${kept.dir}/index.html is up to date with its JSON and today's page code`);
  }
});

t.test('an older run without per-chunk times: every chart drawn, and the page says what it lacks', async (t) => {
  const page = await openReportPage(join(REFERENCE, 'lossy-full-2026-12-01/index.html'), join(ARTIFACTS, 'bench-report-reference.png'));
  t.same(page.errors, [], 'no console or page errors');
  t.same(page.requests.filter((u) => !u.startsWith('file://')), [], 'self-contained: nothing fetched from the network');
  t.same(page.sections.map((s) => s.id), ['headline', 'multiples', 'head-of-line', 'edge-player', 'engines', 'environment'], 'six sections, in order');
  for (const c of page.charts) t.ok(c.marks > 0 && c.width > 100 && c.height > 50, `${c.id}: ${c.marks} marks drawn`);
  const ids = page.charts.map((c) => c.id);
  t.ok(ids.filter((id) => id.startsWith('headline-')).length === 4, 'four headline heatmaps');
  t.ok(ids.filter((id) => id.startsWith('multiples-')).length >= 10, 'the small multiples, main peers and others');
  t.same(ids.filter((id) => id.startsWith('engines-')), ['engines-h3', 'engines-cache'], 'engine and cache bars');
  const hol = page.sections.find((s) => s.id === 'head-of-line');
  t.same(hol?.charts, [], 'no head-of-line picture from JSON without per-chunk times');
  t.match(hol?.missing.join(' ') ?? '', /no per-chunk arrival times/, '...and the section says why');
  const edge = page.sections.find((s) => s.id === 'edge-player');
  t.match(edge?.missing.join(' ') ?? '', /No edge-player\.json beside this run \(make bench-edge writes it\)/, 'no player-through-an-edge run: the section says how to make one');
});
