import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/config.js';
import type { Router } from '../http/router.js';
import type { ContentStore } from '../content/content-store.js';
import type { NextObjectPrefetch } from '../content/next-object.js';
import type { KeyRing } from './key-ring.js';
import { PlaybackService } from './playback-service.js';
import { SessionRegistry } from './sessions.js';
import { RegionMap } from './cdn-ranking.js';
import { CdnHealthProbe } from './cdn-health.js';
import { ThroughputHistory } from './throughput-history.js';
import { KeyStoreDrm } from './drm/drm-catalog.js';
import { KeyStore } from './drm/key-store.js';
import { addPlaybackRoutes } from './routes.js';

/** The playback API as installed. */
export interface InstalledPlayback {
  service: PlaybackService;
  /** Stops the CDN health probes. */
  stop(): void;
}

/**
 * Builds the playback API from the start config and registers its routes. The session limits
 * (policy ceilings, token lifetime, streams per profile) are read from `deps.running` per request,
 * so a SIGHUP reload changes them for the next session.
 */
export function installPlayback(
  router: Router,
  config: ServeConfig,
  deps: {
    store: ContentStore;
    /** Where media requests' CMCD next-object hints go, when the node acts on them. */
    next?: () => NextObjectPrefetch | null;
    logger: Logger;
    clock: () => number;
    /** Certificates to trust when probing CDNs, besides the system store. */
    trustedCa: Buffer[];
    keyRing: KeyRing;
    /** The config in effect (it changes on SIGHUP). */
    running: () => ServeConfig;
  },
): InstalledPlayback {
  const keys = deps.keyRing.keys;
  const keyStore = new KeyStore(config.keyStore);
  const probe = new CdnHealthProbe(config.cdns, { intervalMs: config.cdnProbeIntervalMs, timeoutMs: 2000, extraCa: deps.trustedCa, logger: deps.logger });
  probe.start();
  const service = new PlaybackService({
    mediaRoot: config.media,
    keys,
    cdns: config.cdns,
    regions: new RegionMap(config.regionPrefixes),
    health: probe.health,
    limits: () => {
      const current = deps.running();
      return { maxHeight: current.policyMaxHeight, maxBandwidth: current.policyMaxBandwidth, tokenTtlSec: current.tokenTtlSec };
    },
    sessions: new SessionRegistry({
      limitPerProfile: () => deps.running().streamsPerProfile,
      heartbeatTtlMs: config.heartbeatTtlSec * 1000,
      clock: deps.clock,
      newId: () => randomUUID(),
    }),
    history: new ThroughputHistory(),
    drm: new KeyStoreDrm(keyStore, config.licenseServers, '/v1/license/clearkey'),
    clock: deps.clock,
  });
  addPlaybackRoutes(router, {
    service,
    keys,
    mediaRoot: config.media,
    store: deps.store,
    ...(deps.next ? { next: deps.next } : {}),
    keyStore,
    licenseServers: config.licenseServers,
    clock: deps.clock,
    heartbeatIntervalSec: Math.max(5, Math.floor(config.heartbeatTtlSec / 3)),
  });
  return {
    service,
    stop: () => probe.stop(),
  };
}
