// `make bench` / `make bench-quick`: HTTP/2 vs HTTP/3 on an emulated lossy link (bench/lossy/).
// Usage: tsx bench/run.ts [--quick | --smoke] [--out DIR]   (root: it creates network namespaces)
//        tsx bench/run.ts --report-only [--out DIR]       (rewrites lossy.md and plots from DIR's JSON)
// Results: DIR (default bench/results)/lossy-<scenario>.json, lossy.md, lossy-<scenario>-rtt<N>.svg
import { join } from 'node:path';
import { startLossyBench } from './lossy/bench.js';
import { planFor } from './lossy/matrix.js';
import { rewriteReports } from './lossy/report.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const outDir = outAt >= 0 && args[outAt + 1] ? (args[outAt + 1] as string) : join(import.meta.dirname, 'results');
if (args.includes('--report-only')) {
  process.stdout.write(rewriteReports(outDir));
  process.exit(0);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench lossy: needs root (network namespaces, raw sockets); run it as root, e.g. sudo make bench\n');
  process.exit(2);
}
const plan = planFor(args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full');
const started = performance.now();
process.stderr.write(`bench lossy: ${plan.size} run, ${plan.conditions.length} link conditions × ${plan.repetitions} repetitions → ${outDir}\n`);

const run = startLossyBench(plan, outDir);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(sig, () => {
    process.stderr.write(`bench lossy: ${sig}, removing namespaces and processes\n`);
    run.cleanup();
    process.exit(code);
  });
}
try {
  process.stdout.write(await run.done);
  process.stderr.write(`bench lossy: done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
} catch (err) {
  process.stderr.write(`bench lossy: failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
}
