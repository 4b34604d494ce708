import { BadRequest } from '../http/errors.js';
import type { FailoverReason, QoeBeacon, QoeEvent } from './api-shapes.js';

export type { FailoverReason, QoeBeacon, QoeEvent } from './api-shapes.js';

const MAX_EVENTS = 100;
const FAILOVER_REASONS = new Set(['timeout', 'http', 'network', 'slow']);

/** Checks a parsed beacon; throws BadRequest naming the first bad field. */
export function parseQoeBeacon(value: unknown): QoeBeacon {
  const v = value as { sessionId?: unknown; events?: unknown };
  if (typeof v !== 'object' || v === null) throw new BadRequest('invalid_beacon', 'Beacon must be an object');
  if (typeof v.sessionId !== 'string' || v.sessionId.length === 0 || v.sessionId.length > 100) throw new BadRequest('invalid_beacon', 'sessionId must be a string');
  if (!Array.isArray(v.events) || v.events.length > MAX_EVENTS) throw new BadRequest('invalid_beacon', `events must be an array of at most ${MAX_EVENTS}`);
  return { sessionId: v.sessionId, events: v.events.map((e, i) => parseEvent(e, i)) };
}

function parseEvent(e: unknown, i: number): QoeEvent {
  const ev = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const num = (key: string, max: number): number => {
    const x = ev[key];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > max) throw new BadRequest('invalid_beacon', `events[${i}].${key} must be a number in 0..${max}`);
    return x;
  };
  switch (ev.type) {
    case 'startup':
    case 'rebuffer':
      return { type: ev.type, ms: num('ms', 3_600_000) };
    case 'switch':
      return { type: 'switch', height: num('height', 10_000), kbps: num('kbps', 1_000_000) };
    case 'failover':
      if (!FAILOVER_REASONS.has(String(ev.reason))) throw new BadRequest('invalid_beacon', `events[${i}].reason must be timeout, http, network or slow`);
      return { type: 'failover', reason: ev.reason as FailoverReason };
    case 'progress':
      return { type: 'progress', positionSec: num('positionSec', 86_400), durationSec: num('durationSec', 86_400) };
    default:
      throw new BadRequest('invalid_beacon', `events[${i}].type is unknown`);
  }
}
