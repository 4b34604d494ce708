import type { Handler } from '../http/exchange.js';
import type { Router } from '../http/router.js';
import { NotFound } from '../http/errors.js';
import { jsonReply, readJson } from '../http/json.js';
import { playbackRequestParser } from './request-schema.js';
import type { PlaybackService } from './playback-service.js';
import { tokenContentHandler, type TokenContentDeps } from './token-content-handler.js';
import { steeringHandler } from './steering-handler.js';
import { clearKeyLicenseHandler } from './drm/clearkey-license.js';
import { identityKeyHandler } from './drm/identity-key.js';

/** The playback API's deps: the token content path's, with the whole session service. */
export interface PlaybackRoutesDeps extends TokenContentDeps {
  service: PlaybackService;
  heartbeatIntervalSec: number;
}

/** Largest request bodies of the API routes (a JSON object each). */
const PLAYBACK_REQUEST_MAX_BYTES = 16 * 1024;
const HEARTBEAT_MAX_BYTES = 1024;
const LICENSE_REQUEST_MAX_BYTES = 4096;

/** Registers the playback API and the token-guarded content path. */
export function addPlaybackRoutes(router: Router, deps: PlaybackRoutesDeps): void {
  router
    .add(['POST'], '/v1/playback', startPlayback(deps), { maxBodyBytes: PLAYBACK_REQUEST_MAX_BYTES })
    .add(['POST'], '/v1/playback/:sid/heartbeat', async (ex, p) => {
      // Optional body {"bandwidthKbps": n}: what the player measured since the last heartbeat.
      const body = ex.headers.get('content-type') ? ((await readJson(ex, HEARTBEAT_MAX_BYTES)) as { bandwidthKbps?: unknown }) : {};
      const kbps = typeof body?.bandwidthKbps === 'number' ? body.bandwidthKbps : undefined;
      if (!deps.service.heartbeat(p.sid ?? '', kbps)) throw new NotFound('Unknown or expired playback session');
      return jsonReply(200, { ok: true });
    }, { maxBodyBytes: HEARTBEAT_MAX_BYTES })
    .add(['DELETE'], '/v1/playback/:sid', (_ex, p) => {
      if (!deps.service.end(p.sid ?? '')) throw new NotFound('Unknown or expired playback session');
      return jsonReply(200, { ok: true });
    })
    .add(['GET'], '/v1/steering/:sid', steeringHandler(deps.service))
    .add(['POST'], '/v1/license/clearkey', clearKeyLicenseHandler({ keys: deps.keyStore, sessionTitle: (sid) => deps.service.session(sid)?.titleId }), {
      maxBodyBytes: LICENSE_REQUEST_MAX_BYTES,
    })
      .add(['GET'], '/v1/license/clearkey/key', identityKeyHandler({ keys: deps.keyStore, sessionTitle: (sid) => deps.service.session(sid)?.titleId }))
    .add(['GET', 'HEAD'], '/t/:token/content/*path', tokenContentHandler(deps));
}

function startPlayback(deps: PlaybackRoutesDeps): Handler {
  const parse = playbackRequestParser();
  return async (ex) => {
    const req = parse(await readJson(ex, PLAYBACK_REQUEST_MAX_BYTES));
    const grant = await deps.service.start(req, ex);
    const primary = grant.cdns[0]?.baseUrl ?? `https://${ex.authority}/`;
    return jsonReply(200, {
      sessionId: grant.session.id,
      titleId: req.titleId,
      manifests: { hls: primary + grant.paths.hls, dash: primary + grant.paths.dash },
      manifestPaths: grant.paths,
      cdns: grant.cdns,
      drm: grant.drm,
      policy: {
        maxHeight: grant.policy.maxHeight,
        maxBandwidth: grant.policy.maxBandwidth,
        startBitrateKbps: grant.policy.startBitrateKbps,
        expiresAt: new Date(grant.policy.expiresAtSec * 1000).toISOString(),
        heartbeatUrl: `/v1/playback/${grant.session.id}/heartbeat`,
        heartbeatIntervalSec: deps.heartbeatIntervalSec,
      },
    });
  };
}
