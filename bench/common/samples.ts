import { createServer } from 'node:net';

/** One measurement of one server under one workload. */
export interface Sample {
  server: string;
  workload: string;
  reqPerSec: number;
  mbPerSec: number;
  cpuSecPerGB: number;
  rssMB: number;
  /** Transfers that did not arrive whole (checked where the client lets us see it). */
  incomplete: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Medians per (workload, server) over repeated runs; incomplete transfers are added up. */
export function medians(samples: Sample[]): Sample[] {
  const keys = [...new Set(samples.map((s) => `${s.workload}|${s.server}`))];
  return keys.map((k) => {
    const [workload, server] = k.split('|') as [string, string];
    const of = samples.filter((s) => s.workload === workload && s.server === server);
    return {
      server,
      workload,
      reqPerSec: median(of.map((s) => s.reqPerSec)),
      mbPerSec: median(of.map((s) => s.mbPerSec)),
      cpuSecPerGB: median(of.map((s) => s.cpuSecPerGB)),
      rssMB: median(of.map((s) => s.rssMB)),
      incomplete: of.reduce((n, s) => n + s.incomplete, 0),
    };
  });
}

/** req/s of `row` relative to `baseline` under the same workload, as measured in the same run (0 if absent). */
export function ratioTo(rows: Sample[], row: Sample, baseline: string): number {
  const base = rows.find((r) => r.workload === row.workload && r.server === baseline);
  return base && base.reqPerSec > 0 ? Number((row.reqPerSec / base.reqPerSec).toFixed(2)) : 0;
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
