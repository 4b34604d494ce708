import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';
import type { EdgePlayerDoc } from '../bench/edge/bench.js';

// The "player through an edge" benchmark's smoke run (one play per protocol and prefetch setting,
// 4 s each): its output has the documented shape, each play went over the protocol it names, the
// prefetch setting does what it says at the edge, and nothing is left behind. No assertion about speed.
const ROOT = join(import.meta.dirname, '..');
const chainNamespaces = (): string[] =>
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => /^h3b-(ply|rp|edg|ro|org)-\d+$/.test(n));

t.test('smoke run: four cold plays through an edge, results well-formed, nothing left behind', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces' }, async (t) => {
  const out = scratchDir('h3edge-bench-edge-');
  const before = chainNamespaces();
  const r = await run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bench/edge/run.ts'), '--smoke', '--out', out], { cwd: ROOT, timeoutMs: 300_000 });
  t.equal(r.code, 0, `exit 0 (${r.stderr.slice(-600)})`);
  const doc = JSON.parse(readFileSync(join(out, 'edge-player.json'), 'utf8')) as EdgePlayerDoc;
  t.match(doc.settings, { size: 'smoke', playerLink: { rttMs: 20, lossPercent: 1 }, originLink: { rttMs: 80, lossPercent: 0 } });
  t.same(doc.samples.map((s) => `${s.protocol}/${s.prefetch}`).sort(), ['h2/off', 'h2/on', 'h3/off', 'h3/on']);
  for (const s of doc.samples) {
    const name = `${s.protocol}, prefetch ${s.prefetch}`;
    t.same(s.errors, [], `${name}: no player error`);
    t.ok(s.startupMs !== null && s.startupMs > 0, `${name}: started (${s.startupMs?.toFixed(0)} ms)`);
    t.ok(s.playedSeconds >= 4, `${name}: played ${s.playedSeconds.toFixed(1)} s`);
    t.ok(s.segmentFetchMs !== null && s.segmentFetchMs > 0, `${name}: segments timed (median ${s.segmentFetchMs?.toFixed(0)} ms)`);
    t.ok(s.rebuffers >= 0 && s.rebufferMs >= 0, `${name}: ${s.rebuffers} stalls`);
    t.same(s.protocolsSeen, [s.protocol], `${name}: every segment over ${s.protocol}`);
    t.ok(s.segments > 0, `${name}: ${s.segments} segments after each track's first reached the edge`);
    const fromEdge = s.edgeHits + s.edgeJoined;
    if (s.prefetch === 'on') t.ok(fromEdge > s.segments / 2, `${name}: ${fromEdge}/${s.segments} came without an upstream request`);
    else t.equal(fromEdge, 0, `${name}: every one was pulled on request`);
  }
  t.match(readFileSync(join(out, 'edge-player.md'), 'utf8'), /\| h3 \| on \|/, 'the markdown table');
  t.same(chainNamespaces().filter((n) => !before.includes(n)), [], 'no namespace left behind');
  t.notOk(existsSync(join(out, 'index.html')), 'the page is the lossy run\'s to build');
});
