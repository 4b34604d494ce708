// Entry point run inside the client namespace (`ip netns exec <cli> node --import tsx
// client-main.ts JOB.json`): runs the scenarios with our h2 or h3 client and prints one JSON
// line { samples } on stdout. A failed or timed-out scenario becomes a sample with `error`.
import { readFileSync } from 'node:fs';
import { connectH2, connectH3 } from './timed-clients.js';
import { multiplexed, priority, startup, throughput, type ScenarioContext, type ScenarioName, type ScenarioSample } from './scenarios.js';

/** Written by the orchestrator (bench/lossy/bench.ts). */
export interface ClientJob {
  protocol: 'h2' | 'h3';
  origin: string;
  servername: string;
  caPath: string;
  prefix: string;
  repetitions: number;
  smallRequests: number;
  scenarioTimeoutMs: number;
  rttMs: number;
  /** Scenarios to run, in their usual order. */
  scenarios: ScenarioName[];
  title: { startup: string[]; videoSegments: string[]; manifest: string; small: string; sizes: Record<string, number> };
}

type Result = (ScenarioSample | { scenario: string; mode?: string; error: string }) & { repetition: number };

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as ClientJob;
  const c: ScenarioContext = {
    connect: job.protocol === 'h2' ? connectH2 : connectH3,
    connectOptions: { origin: job.origin, ca: readFileSync(job.caPath), servername: job.servername },
    prefix: job.prefix,
    ...job.title,
    rttMs: job.rttMs,
  };
  const results: Result[] = [];
  const resumedMode = job.protocol === 'h3' ? '0-rtt' : 'resumed';
  for (let repetition = 0; repetition < job.repetitions; repetition++) {
    const attempt = async (scenario: ScenarioName, mode: string | undefined, run: () => Promise<ScenarioSample>): Promise<void> => {
      if (!job.scenarios.includes(scenario)) return;
      try {
        results.push({ ...(await within(job.scenarioTimeoutMs, scenario, run())), repetition });
      } catch (err) {
        results.push({ scenario, mode, error: (err as Error).message, repetition });
      }
    };
    let ticket: Buffer | undefined;
    if (job.scenarios.includes('startup')) {
      await attempt('startup', 'cold', async () => {
        const r = await startup(c, 'cold');
        ticket = r.ticket;
        return r.sample;
      });
      if (ticket) {
        const t = ticket;
        await attempt('startup', resumedMode, async () => (await startup(c, resumedMode, t)).sample);
      }
    }
    await attempt('multiplexed', undefined, () => multiplexed(c));
    await attempt('priority', undefined, () => priority(c));
    await attempt('throughput', undefined, () => throughput(c, job.smallRequests));
  }
  process.stdout.write(`${JSON.stringify({ samples: results })}\n`);
  // Connections abandoned by a timeout would keep the event loop alive.
  process.exit(0);
}

await main();
