import Hls from 'hls.js';
import type { Loader, LoaderCallbacks, LoaderConfiguration, LoaderContext, LoaderStats } from 'hls.js';
import type { CdnPool, FailoverReason } from './cdn-pool.js';

/** Options of the failover loader (hls.js instantiates loaders itself, so they are bound in). */
export interface FailoverOptions {
  pool: CdnPool;
  /** A fragment download slower than this counts as slow (the lowest rendition's bitrate). */
  slowKbps: () => number;
  /** Consecutive slow fragments before leaving the CDN. */
  slowFragments: number;
}

type AnyContext = LoaderContext;
const BaseLoader = Hls.DefaultConfig.loader as unknown as new (config: unknown) => Loader<AnyContext>;

/**
 * An hls.js loader that sends every request to the pool's active CDN and moves to the next CDN
 * (retrying the request there at once) on a timeout, a 5xx or a failed connection, and after
 * `slowFragments` fragments in a row downloaded below `slowKbps`. Other errors (4xx) go to
 * hls.js unchanged.
 */
export function failoverLoaderClass(opts: FailoverOptions): new (config: unknown) => Loader<AnyContext> {
  let slowInARow = 0;
  return class FailoverLoader implements Loader<AnyContext> {
    private inner: Loader<AnyContext>;
    private attempts = 0;
    context: AnyContext | null = null;

    constructor(private readonly hlsConfig: unknown) {
      this.inner = new BaseLoader(hlsConfig);
    }

    get stats(): LoaderStats {
      return this.inner.stats;
    }

    load(context: AnyContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<AnyContext>): void {
      const base = opts.pool.current;
      context.url = opts.pool.rewrite(context.url);
      this.context = context;
      const retryElsewhere = (reason: Exclude<FailoverReason, 'slow'>): boolean => {
        if (this.attempts >= opts.pool.size - 1) return false;
        opts.pool.failover(base, reason);
        this.attempts++;
        this.inner.destroy();
        this.inner = new BaseLoader(this.hlsConfig);
        this.load(context, config, callbacks);
        return true;
      };
      this.inner.load(context, config, {
        ...callbacks,
        onSuccess: (response, stats, ctx, details) => {
          if ((ctx as { frag?: unknown }).frag !== undefined) this.noteSpeed(base, stats);
          callbacks.onSuccess(response, stats, ctx, details);
        },
        onError: (error, ctx, details, stats) => {
          if ((error.code === 0 || error.code >= 500) && retryElsewhere(error.code === 0 ? 'network' : 'http')) return;
          callbacks.onError(error, ctx, details, stats);
        },
        onTimeout: (stats, ctx, details) => {
          if (retryElsewhere('timeout')) return;
          callbacks.onTimeout(stats, ctx, details);
        },
      });
    }

    private noteSpeed(base: string, stats: LoaderStats): void {
      const ms = stats.loading.end - stats.loading.first;
      // Tiny or cached responses say nothing about the CDN's throughput.
      if (ms < 200 || stats.loaded < 64 * 1024) return;
      const kbps = (stats.loaded * 8) / ms;
      slowInARow = kbps < opts.slowKbps() ? slowInARow + 1 : 0;
      if (slowInARow >= opts.slowFragments) {
        slowInARow = 0;
        opts.pool.failover(base, 'slow');
      }
    }

    abort(): void {
      this.inner.abort();
    }

    destroy(): void {
      this.inner.destroy();
    }

    getResponseHeader(name: string): string | null {
      return this.inner.getResponseHeader?.(name) ?? null;
    }

    getCacheAge(): number | null {
      return this.inner.getCacheAge?.() ?? null;
    }
  };
}
