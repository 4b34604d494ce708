import t from 'tap';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './helpers/run.js';
import { connectionStallMs, stalls } from '../bench/lossy/stats.js';
import type { Transfer } from '../bench/lossy/timed-clients.js';
import { scratchDir } from './helpers/scratch.js';

// The lossy-link benchmark's smoke run (one link condition, h3edge over h2 and h3): the emulator
// must do what it is told (ping RTT and loss, the relay's own drop counts), the outputs must have
// their documented shape, and nothing may be left behind. No assertion about speed.
const ROOT = join(import.meta.dirname, '..');
const BENCH = [join(ROOT, 'node_modules/.bin/tsx'), join(ROOT, 'bench/run.ts')];
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

t.test('smoke run: emulator within tolerance, results well-formed, nothing left behind', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const out = scratchDir('h3edge-bench-lossy-test-');
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const before = namespaces();
  const r = await run(BENCH[0] as string, [BENCH[1] as string, '--smoke', '--out', out], { cwd: ROOT, timeoutMs: 120_000 });
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
      if (scenario === 'multiplexed') t.equal(s.streamsMs?.length, 6, 'six per-stream completion times');
      if (scenario === 'multiplexed') t.ok(s.metrics.connectionStallMs >= 0, 'time the whole connection stalled');
    }
    t.ok(doc.summary.length > 0, 'summary rows');
    for (const row of doc.summary) t.ok(row.n > 0 && row.p95 >= row.median, `${row.metric}: median ≤ p95 over ${row.n}`);
    for (const svg of doc.plots) t.match(readFileSync(join(out, svg), 'utf8'), /^<svg [^]*<polyline[^]*<\/svg>\n$/, `${svg} is an SVG plot`);
  }
  t.match(readFileSync(join(out, 'lossy.md'), 'utf8'), /## Emulator check[^]*## startup[^]*\| h3edge h3 /, 'markdown summary');
  const md = readFileSync(join(out, 'lossy.md'), 'utf8');
  t.match(md, /## Headline[^]*\n\| 40 \| 1 \| 50 \| \d+ \/ \d+ \|/, 'headline row for the condition, h2 / h3');
  const again = await run(BENCH[0] as string, [BENCH[1] as string, '--report-only', '--out', out], { cwd: ROOT, timeoutMs: 30_000 });
  t.equal(again.code, 0, 'report-only exits 0');
  t.equal(again.stdout, md, 'report-only rebuilds the same summary from the JSON');
});

t.test('Ctrl-C mid-run removes namespaces, processes and scratch files', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const out = scratchDir('h3edge-bench-lossy-int-');
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // Its own process group, signalled as a whole, as a terminal's Ctrl-C does.
  const child = spawn(BENCH[0] as string, [BENCH[1] as string, '--smoke', '--out', out], { cwd: ROOT, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
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
