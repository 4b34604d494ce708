// Which link conditions and how much work each benchmark size runs.
import type { LinkSettings } from './link.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

export type BenchSize = 'full' | 'quick' | 'smoke' | 'targeted';

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
  /** Which scenarios run (all four except in a targeted run). */
  scenarios: ScenarioName[];
}

function grid(rtts: number[], losses: number[], rates: number[]): LinkSettings[] {
  return rtts.flatMap((rttMs) => rates.flatMap((rateMbitPerSec) => losses.map((lossPercent) => ({ rttMs, lossPercent, rateMbitPerSec }))));
}

/** full: the matrix; quick: what `make bench-quick` runs; smoke: the CI test's subset. */
export function planFor(size: Exclude<BenchSize, 'targeted'>): BenchPlan {
  const scenarios = [...SCENARIOS];
  if (size === 'full') {
    // 1 s segments (as low-latency ladders use) keep the 30 conditions × 3 repetitions near two
    // hours on two cores; a loss-based peer at 200 ms and 5 % loss still needs minutes per scenario.
    return { size, conditions: grid([20, 80, 200], [0, 0.5, 1, 2, 5], [10, 50]), repetitions: 3, segmentSeconds: 1, smallRequests: 100, pingCount: 500, allPeers: true, scenarioTimeoutMs: 90_000, scenarios };
  }
  if (size === 'quick') {
    return { size, conditions: grid([40], [0, 1], [50]), repetitions: 2, segmentSeconds: 1, smallRequests: 50, pingCount: 300, allPeers: true, scenarioTimeoutMs: 60_000, scenarios };
  }
  return { size, conditions: grid([40], [1], [50]), repetitions: 1, segmentSeconds: 1, smallRequests: 30, pingCount: 200, allPeers: false, scenarioTimeoutMs: 30_000, scenarios };
}

/** What `--conditions`, `--scenarios` and `--repetitions` ask for; unset fields keep the full run's. */
export interface TargetedRequest {
  conditions?: LinkSettings[];
  scenarios?: ScenarioName[];
  repetitions?: number;
}

/** A run of the full plan's settings (every peer) restricted to some conditions, scenarios or repetitions. */
export function targetedPlan(r: TargetedRequest): BenchPlan {
  const full = planFor('full');
  return { ...full, size: 'targeted', conditions: r.conditions ?? full.conditions, scenarios: r.scenarios ?? full.scenarios, repetitions: r.repetitions ?? full.repetitions };
}

/** Thrown for a `--conditions`/`--scenarios`/`--repetitions` value the bench cannot run. */
export class PlanArgumentError extends Error {
  readonly code = 'BENCH_BAD_ARGUMENT';
}

/** Parses `RTT/LOSS/RATE[,…]` (ms, percent per direction, Mbit/s), e.g. `80/2/50`. */
export function parseConditions(text: string): LinkSettings[] {
  return text.split(',').map((item) => {
    const parts = item.split('/').map(Number);
    const [rttMs, lossPercent, rateMbitPerSec] = parts as [number, number, number];
    if (parts.length !== 3 || !(rttMs > 0) || !(lossPercent >= 0 && lossPercent < 100) || !(rateMbitPerSec > 0)) {
      throw new PlanArgumentError(`--conditions: '${item}' is not RTT_MS/LOSS_PERCENT/RATE_MBIT (e.g. 80/2/50)`);
    }
    return { rttMs, lossPercent, rateMbitPerSec };
  });
}

/** Parses a comma-separated list of scenario names. */
export function parseScenarios(text: string): ScenarioName[] {
  return text.split(',').map((name) => {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new PlanArgumentError(`--scenarios: '${name}' is not one of ${SCENARIOS.join(', ')}`);
    return name as ScenarioName;
  });
}

/** Parses a repetition count (1–100). */
export function parseRepetitions(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new PlanArgumentError(`--repetitions: '${text}' is not a whole number from 1 to 100`);
  return n;
}
