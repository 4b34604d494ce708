// `make bench` / `make bench-quick`: HTTP/2 vs HTTP/3 on an emulated lossy link (bench/lossy/).
// Usage: tsx bench/run.ts [--quick | --smoke] [--out DIR]   (root: it creates network namespaces)
//        tsx bench/run.ts [--conditions 80/2/50,…] [--scenarios multiplexed,…] [--repetitions N] [--out DIR]
//                                                          (a targeted run: the full run's peers and settings, fewer conditions or scenarios)
//        tsx bench/run.ts --report-only [--out DIR] [--engines DIR]
//                                                          (rewrites lossy.md and index.html from DIR's JSON)
// Results: DIR (default bench/results)/lossy-<scenario>.json, lossy.md, index.html
import { join } from 'node:path';
import { startLossyBench } from './lossy/bench.js';
import { PlanArgumentError, parseConditions, parseRepetitions, parseScenarios, planFor, targetedPlan, type BenchPlan } from './lossy/matrix.js';
import { readScenarioDocs, rewriteSummary } from './lossy/report.js';
import { buildPage } from './page/build.js';

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const outDir = valueOf('--out') ?? join(import.meta.dirname, 'results');

if (args.includes('--report-only')) {
  const md = readScenarioDocs(outDir).length > 0 ? rewriteSummary(outDir) : '';
  const page = await buildPage({ lossyDir: outDir, enginesDir: valueOf('--engines') ?? outDir, out: join(outDir, 'index.html') });
  process.stdout.write(md);
  process.stderr.write(`bench report: ${page.out} (${page.charts.length} charts${page.missing.length > 0 ? `; ${page.missing.length} parts without data, said on the page` : ''})\n`);
  process.exit(0);
}

let plan: BenchPlan;
try {
  const targeted = ['--conditions', '--scenarios', '--repetitions'].some((f) => args.includes(f));
  plan = targeted
    ? targetedPlan({
        conditions: valueOf('--conditions') === undefined ? undefined : parseConditions(valueOf('--conditions') as string),
        scenarios: valueOf('--scenarios') === undefined ? undefined : parseScenarios(valueOf('--scenarios') as string),
        repetitions: valueOf('--repetitions') === undefined ? undefined : parseRepetitions(valueOf('--repetitions') as string),
      })
    : planFor(args.includes('--smoke') ? 'smoke' : args.includes('--quick') ? 'quick' : 'full');
} catch (err) {
  if (!(err instanceof PlanArgumentError)) throw err;
  process.stderr.write(`bench lossy: ${err.message}\n`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('bench lossy: needs root (network namespaces, raw sockets); run it as root, e.g. sudo make bench\n');
  process.exit(2);
}
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
