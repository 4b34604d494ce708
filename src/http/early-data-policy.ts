import type { EarlyDataConfig } from '../config/config.js';
import { PathPattern } from './path-pattern.js';

/** RFC 8470 §4: requests that are safe to replay and may be answered from early data. */
const REPLAY_SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The rule label of a path no rule matched (treated as `accept`). */
export const NO_EARLY_DATA_RULE = 'default';
/** The rule label of every early request while `earlyData.enabled` is false. */
export const EARLY_DATA_OFF = 'off';

/** What the policy made of one request that arrived in early data. */
export interface EarlyDataDecision {
  /** The policy that decided: a rule's, or `reject` while early data is switched off. */
  policy: 'accept' | 'reject';
  /** The rule's pattern as configured, `default` or `off`: a bounded label for metrics, never the path. */
  rule: string;
  /** Answer 425 Too Early instead of running the request. */
  tooEarly: boolean;
}

/**
 * The `earlyData` config compiled once (per config value: a reload builds a new one). Decides,
 * for a request that arrived in TLS early data (or with `Early-Data: 1` from a proxy), whether it
 * runs or gets 425. With `enabled` false the engine refuses 0-RTT in the handshake; an early
 * request that still arrives (a proxy's, or on a connection accepted before a reload turned it
 * off) is answered 425.
 */
export class EarlyDataPolicy {
  private readonly rules: ReadonlyArray<{ pattern: PathPattern; policy: 'accept' | 'reject' }>;

  constructor(readonly config: EarlyDataConfig) {
    this.rules = config.routes.map((r) => ({ pattern: new PathPattern(r.match), policy: r.policy }));
  }

  decide(method: string, pathname: string): EarlyDataDecision {
    if (!this.config.enabled) return { policy: 'reject', rule: EARLY_DATA_OFF, tooEarly: true };
    const rule = this.rules.find((r) => r.pattern.match(pathname) !== null);
    const policy = rule?.policy ?? 'accept';
    return { policy, rule: rule?.pattern.source ?? NO_EARLY_DATA_RULE, tooEarly: policy === 'reject' || !REPLAY_SAFE_METHODS.has(method) };
  }
}
