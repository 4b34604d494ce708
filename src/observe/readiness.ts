import type { Handler } from '../http/exchange.js';
import { jsonReply } from '../http/json.js';

/** One condition the node needs before it should take traffic (a load balancer reads /readyz). */
export interface ReadinessCheck {
  name: string;
  /** Cheap and synchronous: it runs on every /readyz request. */
  check: () => { ready: boolean; detail?: string };
}

/** The set of readiness checks; subsystems add theirs as they start (cache warm-up, fill). */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  report(): { ready: boolean; checks: Record<string, { ready: boolean; detail?: string }> } {
    const checks: Record<string, { ready: boolean; detail?: string }> = {};
    for (const c of this.checks) {
      try {
        checks[c.name] = c.check();
      } catch (err) {
        checks[c.name] = { ready: false, detail: (err as Error).message };
      }
    }
    return { ready: Object.values(checks).every((c) => c.ready), checks };
  }
}

/** GET /readyz: 200 when every check passes, 503 with the failing ones otherwise. */
export function readinessHandler(readiness: Readiness): Handler {
  return () => {
    const r = readiness.report();
    return jsonReply(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
  };
}
