import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './helpers/run.js';
import { connectionStallMs, stalls } from '../bench/lossy/stats.js';
import type { Transfer } from '../bench/lossy/timed-clients.js';
import { scratchDir } from './helpers/scratch.js';
import { openReportPage } from './helpers/report-page.js';
import { MAX_POINTS } from '../bench/lossy/trace.js';
import type { LossySample } from '../bench/lossy/report.js';

// The lossy-link benchmark's smoke run (one link condition, h3edge over h2 and h3): the emulator
// must do what it is told (ping RTT and loss, the relay's own drop counts), the outputs must have
// their documented shape, and nothing may be left behind. No assertion about speed.
const ROOT = join(import.meta.dirname, '..');
const ARTIFACTS = join(import.meta.dirname, 'artifacts');
// As `make bench` runs it: one node process (the Makefile's RUN_TS), so Ctrl-C reaches the bench itself.
const BENCH_ARGS = ['--import', 'tsx', join(ROOT, 'bench/run.ts')];
const namespaces = (): string[] => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith('h3b-'));

/** Command lines of live processes that contain `text` (read from /proc, no tools needed). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

t.test('stall measures: streams stalled at once versus the whole connection stalled', async (t) => {
  const transfer = (chunkTimes: number[]): Transfer => ({ path: '', status: 200, bytes: 0, start: 0, firstByte: chunkTimes[0] ?? 0, end: chunkTimes.at(-1) ?? 0, chunks: chunkTimes.map((at) => [at, 1]) });
  // Sent one after another; the second stream stops 300 ms while the first one's bytes keep arriving: no connection stall.
  const overQuic = [transfer([0, 50, 100, 150, 200, 250, 300, 350]), transfer([100, 150, 450])];
  t.same(stalls(overQuic, 200), { events: 1, maxAtOnce: 1 });
  t.equal(connectionStallMs(overQuic, 200), 0);
  // Over TCP a loss holds back every stream: nothing arrives from 100 to 400 ms.
  const overTcp = [transfer([0, 50, 100, 400, 450]), transfer([100, 400])];
  t.same(stalls(overTcp, 200), { events: 2, maxAtOnce: 2 });
  t.equal(connectionStallMs(overTcp, 200), 300);
});

const canDropPrivileges = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;

t.test('refuses to run without root, in one line, exit 2', { skip: !canDropPrivileges && 'cannot drop privileges here (needs setpriv and root)' }, async (t) => {
  // `env -i`: tap's process-info hooks travel in the environment and could not write as nobody.
  const r = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', `PATH=${process.env.PATH}`, `HOME=${tmpdir()}`, process.execPath, '--import', 'tsx', join(ROOT, 'bench/run.ts'), '--smoke'], {
    cwd: ROOT,
    timeoutMs: 30_000,
  });
  t.equal(r.code, 2);
  t.match(r.stderr, /^bench lossy: needs root[^\n]*\n$/);
});

t.test('a targeted run with a bad condition, scenario or count: one line, exit 2, nothing run', async (t) => {
  for (const [flag, value, error] of [
    ['--conditions', '80/2', /--conditions: '80\/2' is not RTT_MS\/LOSS_PERCENT\/RATE_MBIT/],
    ['--scenarios', 'multiplexed,bogus', /--scenarios: 'bogus' is not one of startup, multiplexed, priority, throughput/],
    ['--repetitions', '0', /--repetitions: '0' is not a whole number from 1 to 100/],
  ] as const) {
    const out = scratchDir('h3edge-bench-bad-');
    const r = await run(process.execPath, [...BENCH_ARGS, flag, value, '--out', out], { cwd: ROOT, timeoutMs: 30_000 });
    t.equal(r.code, 2, `${flag} ${value}: exit 2`);
    t.match(r.stderr, new RegExp(`^bench lossy: ${error.source}[^\\n]*\\n$`), `${flag} ${value}: one line saying what is wrong`);
    t.same(readdirSync(out), [], 'nothing written');
  }
});

t.test('smoke run: emulator within tolerance, results well-formed, nothing left behind', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const out = scratchDir('h3edge-bench-lossy-test-');
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const before = namespaces();
  const r = await run(process.execPath, [...BENCH_ARGS, '--smoke', '--out', out], { cwd: ROOT, timeoutMs: 120_000 });
  t.equal(r.code, 0, 'bench exits 0', { stderr: r.stderr.slice(-800) });
  t.match(r.stderr, /bench lossy: 1\/1 RTT \d+ ms/, 'prints progress');
  t.same(namespaces(), before, 'no namespaces left behind');

  for (const scenario of ['startup', 'multiplexed', 'priority', 'throughput']) {
    const file = join(out, `lossy-${scenario}.json`);
    t.ok(existsSync(file), `${scenario}: JSON written`);
    if (!existsSync(file)) continue;
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    t.equal(doc.settings.size, 'smoke');
    t.match(doc.settings.tcpCongestionControl, /^(bbr|cubic|reno)$/, 'the TCP congestion control in use is recorded');
    for (const k of ['node', 'h3edge', 'caddy', 'ngtcp2', 'nghttp2', 'kernel']) t.type(doc.versions[k], 'string', `version of ${k}`);
    t.equal(doc.emulator.length, doc.settings.conditions.length, 'one emulator check per condition');
    for (const e of doc.emulator) {
      t.ok(e.ping.rttWithin10Percent, `ping RTT ${e.ping.rttAvgMs} ms within 10 % of ${e.rttMs} ms`);
      t.ok(e.ping.lossWithinTolerance, `ping loss ${e.ping.lossPercent} % near ${e.ping.expectedLossPercent} %`);
      // The relay's own counters cover thousands of frames: 10 %, or 3 binomial deviations.
      for (const [dir, counters] of [['cliToSrv', e.relay.aToB], ['srvToCli', e.relay.bToA]] as const) {
        const p = e.lossPercent / 100;
        const tolerance = Math.max(0.1 * p, 3 * Math.sqrt((p * (1 - p)) / counters.ipFrames));
        t.ok(Math.abs(counters.lostRandom / counters.ipFrames - p) <= tolerance, `relay ${dir} dropped ${e.relayLossPercent[dir]} % of ${counters.ipFrames} frames for ${e.lossPercent} %`);
        t.equal(counters.sendErrors + counters.oversize, 0, `relay ${dir}: no send errors or oversize frames`);
      }
    }
    const protocols = new Set(doc.samples.map((s: { protocol: string }) => s.protocol));
    t.same([...protocols].sort(), ['h2', 'h3'], `${scenario}: samples for h2 and h3`);
    for (const s of doc.samples) {
      t.equal(s.error, undefined, `${scenario} ${s.protocol} ${s.mode ?? ''}: completed`);
      t.equal(s.metrics?.incomplete, 0, `${scenario} ${s.protocol} ${s.mode ?? ''}: every response whole`);
      if (scenario === 'multiplexed') {
        t.equal(s.streamsMs?.length, 6, 'six per-stream completion times');
        t.ok(s.metrics.connectionStallMs >= 0, 'time the whole connection stalled');
        checkTrace(t, s, doc.settings.titleBytes);
      } else t.equal(s.trace, undefined, `${scenario}: no per-chunk trace (only the six-segment scenario keeps one)`);
    }
    t.ok(doc.summary.length > 0, 'summary rows');
    for (const row of doc.summary) t.ok(row.n > 0 && row.p95 >= row.median, `${row.metric}: median ≤ p95 over ${row.n}`);
    for (const e of doc.emulator) t.ok(e.relay.eventsLogged > 0 && e.relay.eventsUnlogged === 0, `relay logged ${e.relay.eventsLogged} drops and retransmissions, within its bound`);
  }
  t.same(readdirSync(out).filter((f) => f.endsWith('.svg')), [], 'no loose SVG plots: the pictures are on the page');
  t.ok(existsSync(join(out, 'index.html')), 'the run wrote its page');
  t.match(readFileSync(join(out, 'lossy.md'), 'utf8'), /## Emulator check[^]*## startup[^]*\| h3edge h3 /, 'markdown summary');
  const md = readFileSync(join(out, 'lossy.md'), 'utf8');
  t.match(md, /## Headline[^]*\n\| 40 \| 1 \| 50 \| \d+ \/ \d+ \|/, 'headline row for the condition, h2 / h3');
  t.match(md, /## h3edge against Caddy[^\n]*\n\nCaddy did not run in this run/, 'the comparison with Caddy says the smoke run has none');
  rmSync(join(out, 'index.html'));
  const again = await run(process.execPath, [...BENCH_ARGS, '--report-only', '--out', out], { cwd: ROOT, timeoutMs: 60_000 });
  t.equal(again.code, 0, 'report-only exits 0', { stderr: again.stderr.slice(-800) });
  t.equal(again.stdout, md, 'report-only rebuilds the same summary from the JSON');
  t.match(again.stderr, /^bench report: \S+index\.html \(\d+ charts; \d+ parts without data, said on the page\)\n$/, 'one line about the page');

  // The page, opened from its file in Chromium: every chart drawn, the head-of-line picture among them.
  const page = await openReportPage(join(out, 'index.html'), join(ARTIFACTS, 'bench-report-smoke.png'));
  t.same(page.errors, [], 'no console or page errors');
  t.same(page.requests.filter((u) => !u.startsWith('file://')), [], 'self-contained: nothing fetched from the network');
  t.same(page.sections.map((s) => s.id), ['headline', 'multiples', 'head-of-line', 'edge-player', 'engines', 'environment'], 'the six sections, in order');
  for (const s of page.sections.slice(0, 5)) t.ok(s.charts.length > 0 || s.missing.length > 0, `${s.id}: charts, or a note of what this run lacks`);
  t.ok(page.charts.length >= 8, `${page.charts.length} charts`);
  for (const c of page.charts) t.ok(c.marks > 0 && c.width > 100 && c.height > 50, `${c.id}: ${c.marks} marks drawn in ${Math.round(c.width)}×${Math.round(c.height)} px`);
  const ids = page.charts.map((c) => c.id);
  for (const id of ['headline-startup', 'headline-six-segments', 'headline-manifest', 'headline-goodput', 'multiples-six-segments', 'head-of-line-h3edge']) t.ok(ids.includes(id), `${id} drawn`);
  const hol = page.charts.find((c) => c.id === 'head-of-line-h3edge');
  t.ok((hol?.rules ?? 0) > 0, `head-of-line picture marks the link's drops (${hol?.rules ?? 0} rules)`);
  const engines = page.sections.find((s) => s.id === 'engines');
  t.match(engines?.missing.join(' ') ?? '', /h3-engines\.json[^]*cache\.json/, 'engines: the smoke run has no engine results and says so');
});

/** A six-segment sample's trace: every stream's bytes whole and in order, bounded, and the link's events of this connection on its time axis. */
function checkTrace(t: Test, s: LossySample, sizes: Record<string, number>): void {
  const trace = s.trace;
  const completionMs = s.metrics?.completionMs ?? 0;
  t.ok(trace, `${s.protocol}: multiplexed sample has a trace`);
  if (!trace) return;
  t.equal(trace.streams.length, 6, 'six streams traced');
  for (const st of trace.streams) {
    const size = Object.entries(sizes).find(([p]) => st.path.endsWith(p))?.[1];
    t.equal(st.points.at(-1)?.[1], size, `${st.path}: last point is the whole body (${size} bytes)`);
    t.ok(st.points.length >= 2 && st.points.length <= MAX_POINTS, `${st.points.length} points, at most ${MAX_POINTS}`);
    t.ok(st.points.every((p, i) => i === 0 || (p[0] >= (st.points[i - 1] as [number, number])[0] && p[1] > (st.points[i - 1] as [number, number])[1])), 'times never go back, bytes only grow');
    t.ok(st.points.every((p) => p[0] >= 0 && p[0] <= completionMs + 1), 'points within the run');
  }
  t.equal(trace.flow.transport, s.protocol === 'h2' ? 'tcp' : 'udp', 'flow transport');
  if (s.protocol === 'h2') t.type(trace.flow.localPort, 'number', 'h2: the connection is told apart by its local port');
  const events = trace.events ?? [];
  t.ok(Array.isArray(trace.events), 'link events attached');
  // At 1 % loss per direction the ~1,600 frames of six segments lose some: none would have e^-16 odds.
  t.ok(events.some((e) => e.dir === 'srvToCli' && e.kind === 'random'), `the server's lost packets are among ${events.length} events`);
  t.ok(events.every((e) => e.atMs >= 0 && e.atMs <= completionMs), 'events within the run');
  if (s.protocol === 'h3') t.notOk(events.some((e) => e.kind === 'retransmit'), 'no TCP retransmissions on a QUIC connection');
}

t.test('Ctrl-C mid-run removes namespaces, processes and scratch files', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const out = scratchDir('h3edge-bench-lossy-int-');
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // Its own process group, signalled as a whole, as a terminal's Ctrl-C does.
  const child = spawn(process.execPath, [...BENCH_ARGS, '--smoke', '--out', out], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  // Interrupted once the servers run and the first scenarios are under way.
  while (!/bench lossy: 1\/1 RTT/.test(stderr) && Date.now() < deadline && child.exitCode === null) await delay(100);
  const started = /namespaces (h3b-cli-\d+) (h3b-rtr-\d+) (h3b-srv-\d+); work dir (\S+);/.exec(stderr);
  t.ok(started, 'the run reported its namespaces and work dir', { stderr: stderr.slice(-500) });
  process.kill(-(child.pid as number), 'SIGINT');
  const code = await exited;
  t.equal(code, 130, 'exit code 130 after SIGINT');
  t.match(stderr, /SIGINT, removing namespaces and processes/);
  if (!started) return;
  const [, cli, rtr, srv, work] = started as unknown as [string, string, string, string, string];
  const left = namespaces();
  for (const ns of [cli, rtr, srv]) t.notOk(left.includes(ns), `${ns} removed`);
  t.notOk(existsSync(work), 'work dir removed');
  t.same(processesMentioning(work), [], 'no process of the run left (relay, server, client)');
});
