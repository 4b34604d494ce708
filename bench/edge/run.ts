// `make bench-edge`: a player through an edge (bench/edge/bench.ts), CMCD prefetch on and off,
// HTTP/2 and HTTP/3. Root: it creates network namespaces.
// Usage: tsx bench/edge/run.ts [--quick | --smoke] [--out DIR]
// Results: DIR (default bench/results)/edge-player.{json,md}; `bench/run.ts --report-only` puts them on the page.
import { join } from 'node:path';
import { edgePlanFor, startEdgeBench } from './bench.js';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
const outDir = at >= 0 && args[at + 1] ? (args[at + 1] as string) : join(import.meta.dirname, '../results');
const unknown = args.filter((a, i) => !['--quick', '--smoke', '--out'].includes(a) && args[i - 1] !== '--out');
if (unknown.length > 0) {
  process.stderr.write(`bench edge: unknown argument ${unknown[0]} (usage: bench/edge/run.ts [--quick | --smoke] [--out DIR])\n`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench edge: needs root (network namespaces); run it as root, e.g. sudo make bench-edge\n');
  process.exit(2);
}
const plan = edgePlanFor(args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full');
const started = performance.now();
process.stderr.write(`bench edge: ${plan.size} run, ${plan.repetitions} repetitions × 4 plays of ${plan.playSeconds} s → ${outDir}\n`);
const run = startEdgeBench(plan, outDir);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(sig, () => {
    process.stderr.write(`bench edge: ${sig}, removing namespaces and processes\n`);
    run.cleanup();
    process.exit(code);
  });
}
try {
  process.stdout.write(await run.done);
  process.stderr.write(`bench edge: done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
} catch (err) {
  process.stderr.write(`bench edge: failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}
