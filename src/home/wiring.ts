import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServeConfig } from '../config/config.js';
import type { Router } from '../http/router.js';
import type { ContentStore } from '../content/content-store.js';
import { CatalogSource } from './catalog-source.js';
import { WatchHistory } from './watch-history.js';
import { addHomeRoutes } from './home-routes.js';
import { artworkHandler } from './artwork-handler.js';
import { QoeMetrics } from './qoe-metrics.js';
import { addQoeRoutes, type SessionLookup } from './qoe-routes.js';
import { addWebRoutes } from './web-routes.js';

/** The browse experience as installed. */
export interface InstalledHome {
  history: WatchHistory;
}

/**
 * Registers the metadata API, artwork, QoE beacons and the web app. Called once by server.ts,
 * after the playback API (QoE beacons are checked against its sessions).
 */
export function installHome(
  router: Router,
  config: Pick<ServeConfig, 'media' | 'artworkDir' | 'webRoot'>,
  deps: {
    /** Local files only (artwork and the web app are never pulled from upstreams). */
    store: ContentStore;
    clock: () => number;
    registry: Registry;
    sessions: SessionLookup;
  },
): InstalledHome {
  const history = new WatchHistory({ clock: deps.clock });
  addHomeRoutes(router, { catalog: new CatalogSource(join(config.media, 'catalog.json')), history });
  router.add(['GET', 'HEAD'], '/artwork/:titleId/:aspect/:width', artworkHandler({ root: config.artworkDir ?? join(config.media, 'artwork'), store: deps.store }));
  addQoeRoutes(router, { metrics: new QoeMetrics(deps.registry), history, sessions: deps.sessions });
  addWebRoutes(router, { webRoot: config.webRoot, store: deps.store });
  return { history };
}
