// Which link conditions and how much work each benchmark size runs.
import type { LinkSettings } from './link.js';

export type BenchSize = 'full' | 'quick' | 'smoke';

export interface BenchPlan {
  size: BenchSize;
  conditions: LinkSettings[];
  repetitions: number;
  /** Segment length of the synthetic title: 4 s (the packager's default) or 1 s for short runs. */
  segmentSeconds: number;
  smallRequests: number;
  pingCount: number;
  /** Whether Caddy and the external clients run too (the smoke run keeps to h3edge and our clients). */
  allPeers: boolean;
  scenarioTimeoutMs: number;
}

function grid(rtts: number[], losses: number[], rates: number[]): LinkSettings[] {
  return rtts.flatMap((rttMs) => rates.flatMap((rateMbitPerSec) => losses.map((lossPercent) => ({ rttMs, lossPercent, rateMbitPerSec }))));
}

/** full: the matrix; quick: what `make bench-quick` runs; smoke: the CI test's subset. */
export function planFor(size: BenchSize): BenchPlan {
  if (size === 'full') {
    // 1 s segments (as low-latency ladders use) keep the 30 conditions × 3 repetitions near two
    // hours on two cores; a loss-based peer at 200 ms and 5 % loss still needs minutes per scenario.
    return { size, conditions: grid([20, 80, 200], [0, 0.5, 1, 2, 5], [10, 50]), repetitions: 3, segmentSeconds: 1, smallRequests: 100, pingCount: 500, allPeers: true, scenarioTimeoutMs: 90_000 };
  }
  if (size === 'quick') {
    return { size, conditions: grid([40], [0, 1], [50]), repetitions: 2, segmentSeconds: 1, smallRequests: 50, pingCount: 300, allPeers: true, scenarioTimeoutMs: 60_000 };
  }
  return { size, conditions: grid([40], [1], [50]), repetitions: 1, segmentSeconds: 1, smallRequests: 30, pingCount: 200, allPeers: false, scenarioTimeoutMs: 30_000 };
}
