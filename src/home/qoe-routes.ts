import type { Handler } from '../http/exchange.js';
import type { Router } from '../http/router.js';
import { NotFound } from '../http/errors.js';
import { jsonReply, readJson } from '../http/json.js';
import type { QoeMetrics } from './qoe-metrics.js';
import type { WatchRecorder } from './watch-history.js';
import { parseQoeBeacon } from './qoe-beacon.js';

/** Who is watching what in a playback session; the playback API answers it. */
export type SessionLookup = (sessionId: string) => { profileId: string; titleId: string } | undefined;

export interface QoeRoutesDeps {
  metrics: QoeMetrics;
  history: WatchRecorder;
  sessions: SessionLookup;
}

/**
 * `POST /v1/qoe`: player beacons (startup time, stalls, switches, CDN failovers, position) of a
 * live playback session. Counted into the QoE metrics; `startup` counts as a play and
 * `progress` moves the profile's watch history, so the home rows follow what was watched.
 */
export function addQoeRoutes(router: Router, deps: QoeRoutesDeps): void {
  router.add(['POST'], '/v1/qoe', qoeHandler(deps), { maxBodyBytes: BEACON_MAX_BYTES });
}

/** A beacon batch is a few events of JSON. */
const BEACON_MAX_BYTES = 16 * 1024;

function qoeHandler(deps: QoeRoutesDeps): Handler {
  return async (ex) => {
    const beacon = parseQoeBeacon(await readJson(ex, BEACON_MAX_BYTES));
    const session = deps.sessions(beacon.sessionId);
    if (!session) throw new NotFound('Unknown or expired playback session');
    const m = deps.metrics;
    for (const e of beacon.events) {
      m.beacons.inc({ type: e.type });
      if (e.type === 'startup') {
        m.startup.observe(e.ms / 1000);
        deps.history.recordPlay(session.profileId, session.titleId);
      } else if (e.type === 'rebuffer') {
        m.rebuffers.inc();
        m.rebufferSeconds.inc(e.ms / 1000);
      } else if (e.type === 'switch') m.switches.inc();
      else if (e.type === 'failover') m.failovers.inc({ reason: e.reason });
      else deps.history.recordProgress(session.profileId, session.titleId, e.positionSec, e.durationSec);
    }
    return jsonReply(202, { ok: true });
  };
}
