import { isDeepStrictEqual } from 'node:util';
import type { ServeConfig } from './config.js';

type Field = keyof ServeConfig;

/**
 * Settings a running node applies on SIGHUP. Every other field is bound at start (sockets,
 * worker processes, the cache, the media directory, routes and their probes) and needs a
 * restart; a field added to ServeConfig is restart-only until someone makes it live here.
 */
export const LIVE_FIELDS: ReadonlySet<Field> = new Set<Field>([
  'logLevel',
  'cert',
  'key',
  'tokenKeys',
  'shutdownGraceMs',
  'openContent',
  'upstreams',
  'upstreamCa',
  'upstreamMinKbps',
  'fillWindow',
  'fillRateBitsPerSec',
  'fillDiskBudgetBytes',
  'policyMaxHeight',
  'policyMaxBandwidth',
  'tokenTtlSec',
  'streamsPerProfile',
  'prefetchNextObject',
  'prefetchMaxInFlight',
  'prefetchMaxBytes',
  'cmsdNodeId',
  'duressEgressBitsPerSec',
  'duressCpuPercent',
  'duressMaxBitrateKbps',
  'earlyData',
]);

/** What a reload does with a freshly read config. */
export interface ReloadPlan {
  /** The config to run with: the running one with the changed live fields taken over. */
  next: ServeConfig;
  /** Live fields whose value changed (applied). */
  applied: Field[];
  /** Changed fields that keep their running value until a restart. */
  needRestart: Field[];
}

/**
 * Splits the differences between the running config and a freshly read one. Called by the
 * server on SIGHUP and by the primary of a multi-worker node (which hands `next` to workers it
 * forks later, so a restarted worker matches its siblings).
 */
export function planReload(running: ServeConfig, fresh: ServeConfig): ReloadPlan {
  const next: ServeConfig = { ...running };
  const applied: Field[] = [];
  const needRestart: Field[] = [];
  for (const field of Object.keys(fresh) as Field[]) {
    if (isDeepStrictEqual(running[field], fresh[field])) continue;
    if (isLive(field, running, fresh)) {
      (next as unknown as Record<Field, unknown>)[field] = fresh[field];
      applied.push(field);
    } else {
      needRestart.push(field);
    }
  }
  return { next, applied, needRestart };
}

function isLive(field: Field, running: ServeConfig, fresh: ServeConfig): boolean {
  // Gaining or losing every upstream turns an origin into an edge or back: wired at start.
  if (field === 'upstreams') return running.upstreams.length > 0 && fresh.upstreams.length > 0;
  return LIVE_FIELDS.has(field);
}
