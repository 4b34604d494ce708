// make soak: N minutes (default 10) of mixed player traffic against one node, sampling heap after
// GC, RSS and open descriptors every 10 s. Writes bench/results/soak.{json,md,svg}.
// Usage: tsx bench/soak/run.ts [--minutes 10] [--out bench/results]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';
import { writeSoakReport } from './report.js';
import type { RoundPlan } from './traffic.js';

/** Requests per round of each kind: a round takes a few seconds here. */
const SOAK_PLAN: RoundPlan = { h2: 20_000, http1: 4_000, ranges: 2_000, api: 1_000, h3: 5_000 };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, out: { type: 'string', default: 'bench/results' } } });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0) {
    process.stderr.write('soak: --minutes must be a positive number\n');
    process.exit(2);
  }
  const root = join(import.meta.dirname, '../..');
  if (!existsSync(join(root, 'media', 'long-test-pattern', 'master.m3u8'))) {
    process.stderr.write('soak: the demo library is missing (make setup)\n');
    process.exit(2);
  }
  const settings = { minutes, sampleEverySec: 10, plan: SOAK_PLAN, workers: 1 };
  const result = await runSoak({
    media: join(root, 'media'),
    certFile: join(root, 'certs/dev-cert.pem'),
    keyFile: join(root, 'certs/dev-key.pem'),
    caFile: join(root, 'certs/dev-ca.pem'),
    durationMs: minutes * 60_000,
    sampleEveryMs: 10_000,
    plan: SOAK_PLAN,
    nodeCommand: [process.execPath, '--inspect=127.0.0.1:0', join(root, 'bin/h3edge.js')],
    log: (line) => process.stdout.write(`soak: ${line}\n`),
  });
  await writeSoakReport(values.out as string, settings, result);
  const a = result.analysis;
  process.stdout.write(`soak: heap slope ${a.heapSlopeBytesPerRequest} bytes/request, RSS spread ${a.rssSpreadPercent} % → ${values.out}/soak.{json,md,svg}\n`);
}

await main();
