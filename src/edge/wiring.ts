import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/config.js';
import type { ContentStore } from '../content/content-store.js';
import type { PrefetchLedger } from '../content/prefetch-ledger.js';
import type { KeySet } from '../playback/keyset.js';
import { PullThroughStore } from './pull-through-store.js';
import { UpstreamClient } from './upstream-client.js';
import { upstreamPathFor } from './upstream-path.js';
import { FillSchedule, type FillScheduleOptions } from './fill/fill-schedule.js';
import { parseFillWindow } from './fill/fill-window.js';
import { runFill } from './fill/fill-run.js';

/** An edge's pull-through store and scheduled fill as installed. */
export interface InstalledEdge {
  store: PullThroughStore;
  /** The nightly fill, in the one process of the node that runs it; it idles without a fill window. */
  fill: FillSchedule | null;
  /**
   * SIGHUP, first step: reads what `next` needs from disk (the upstream CA) and throws, changing
   * nothing, if it cannot. Returns the second step, which switches to `next` and cannot fail.
   */
  prepareReload(next: ServeConfig): () => void;
  /** Server shutdown: stops the fill between files and closes the upstream connections. */
  close(): Promise<void>;
}

/** What installEdge needs from the server. */
export interface EdgeDeps {
  /** The node's own files (the segment cache). */
  local: ContentStore;
  /** The current token keys, for signing the edge's own upstream requests. */
  keys: () => KeySet;
  logger: Logger;
  clock: () => number;
  /** This process runs the node's scheduled fill. */
  runsFill: boolean;
  /** Background pulls for CMCD next-object hints, counted for the metrics. */
  ledger: PrefetchLedger;
  onFillRun: FillScheduleOptions['onRun'];
}

/**
 * Wires an edge (a node with upstreams): misses are pulled through from the upstreams, and the
 * fill worker runs the nightly fill in `fillWindow`. Upstreams, their CA, the slowness floor and
 * the fill settings follow reloads; called once by server.ts.
 */
export function installEdge(config: ServeConfig, deps: EdgeDeps): InstalledEdge {
  let running = config;
  let extraCa = readUpstreamCa(config.upstreamCa);
  // Upstreams check tokens like for any client; the edge signs short-lived raw-file tokens.
  const upstreamPath = upstreamPathFor(deps.keys, deps.clock);
  const store = new PullThroughStore({
    mediaRoot: config.media,
    local: deps.local,
    upstreams: config.upstreams,
    client: new UpstreamClient(extraCa),
    minKbps: config.upstreamMinKbps,
    upstreamPath,
    logger: deps.logger.child({ component: 'edge' }),
    clock: deps.clock,
    timeoutMs: 10_000,
    prefetchLimits: () => ({ maxInFlight: running.prefetchMaxInFlight, maxBytes: running.prefetchMaxBytes }),
    ledger: deps.ledger,
  });
  const log = deps.logger.child({ component: 'fill' });
  const fill = !deps.runsFill
    ? null
    : new FillSchedule({
        window: () => (running.fillWindow === null ? null : parseFillWindow(running.fillWindow)),
        upstreams: () => running.upstreams,
        checkEveryMs: config.fillCheckIntervalMs,
        logger: log,
        now: () => new Date(deps.clock()),
        onRun: deps.onFillRun,
        run: (upstream, windowClosed) =>
          runFill({
            upstream,
            extraCa,
            root: config.media,
            upstreamPath,
            rateBitsPerSec: running.fillRateBitsPerSec || null,
            diskBudgetBytes: running.fillDiskBudgetBytes || null,
            windowClosed,
            onProgress: () => {},
            logger: log,
            clock: deps.clock,
          }),
      });
  fill?.start();
  return {
    store,
    fill,
    prepareReload: (next) => {
      const caChanged = next.upstreamCa !== running.upstreamCa;
      const nextCa = caChanged ? readUpstreamCa(next.upstreamCa) : extraCa;
      return () => {
        // A new client for a new CA, and so that connections to dropped upstreams get closed.
        const reconnect = caChanged || !isDeepStrictEqual(next.upstreams, running.upstreams);
        store.useUpstreams({ upstreams: next.upstreams, minKbps: next.upstreamMinKbps, client: reconnect ? new UpstreamClient(nextCa) : undefined });
        extraCa = nextCa;
        running = next;
      };
    },
    close: async () => {
      store.close();
      await fill?.stop();
    },
  };
}

function readUpstreamCa(path: string | null): Buffer[] {
  return path === null ? [] : [readFileSync(path)];
}
