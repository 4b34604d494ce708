import { relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { HttpError, NotFound } from '../http/errors.js';
import type { ContentFile, ContentStore } from '../content/content-store.js';
import { fileEtag } from '../content/content-store.js';
import type { ByteRange } from '../http/ranges.js';
import { CircuitBreaker, type UpstreamHealth } from './circuit-breaker.js';
import type { UpstreamClient } from './upstream-client.js';
import { writeAtomically } from './atomic-write.js';

export interface PullThroughDeps {
  mediaRoot: string;
  /** The node's own files (the segment cache). */
  local: ContentStore;
  /** Upstream origins in preference order, e.g. `https://origin-a:8443`. */
  upstreams: readonly string[];
  client: UpstreamClient;
  /** Upstream request path for a title-relative file (signed for the upstream's token check). */
  upstreamPath: (relPath: string) => string;
  logger: Logger;
  clock: () => number;
  timeoutMs: number;
}

/**
 * An edge's content: local files first; a miss is fetched from the first healthy upstream,
 * checked (status, Content-Length), written atomically into the media directory and then
 * served like any local file. Concurrent misses for one file make one upstream request. A
 * failing upstream (error, timeout, 5xx, bad length) is skipped for the next, and trips its
 * circuit breaker after repeated failures. Upstream `Cache-Control: no-store` files are served
 * but never written.
 */
export class PullThroughStore implements ContentStore {
  private readonly breakers: CircuitBreaker[];
  private readonly inflight = new Map<string, Promise<ContentFile | null>>();

  constructor(private readonly deps: PullThroughDeps) {
    this.breakers = deps.upstreams.map((origin) => new CircuitBreaker(origin, { threshold: 3, cooldownMs: 10_000, clock: deps.clock }));
  }

  async open(absPath: string): Promise<ContentFile> {
    try {
      return await this.deps.local.open(absPath);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
    const rel = relative(this.deps.mediaRoot, absPath).split(sep).join('/');
    let pending = this.inflight.get(rel);
    if (!pending) {
      pending = this.pull(rel, absPath).finally(() => this.inflight.delete(rel));
      this.inflight.set(rel, pending);
    }
    const unstored = await pending;
    return unstored ?? this.deps.local.open(absPath);
  }

  /** Closes the upstream connections (server shutdown). */
  close(): void {
    this.deps.client.close();
  }

  /** Upstream health, for metrics and the playback API. */
  health(): UpstreamHealth[] {
    return this.breakers.map((b) => b.health());
  }

  /** Fetches a missing file; resolves null once it is stored, or the file itself if it must not be stored. */
  private async pull(rel: string, absPath: string): Promise<ContentFile | null> {
    for (const breaker of this.breakers) {
      if (!breaker.allows()) continue;
      const log = this.deps.logger.child({ upstream: breaker.origin, path: rel });
      try {
        const r = await this.deps.client.get(breaker.origin, this.deps.upstreamPath(rel), this.deps.timeoutMs);
        if (r.status === 404) {
          breaker.success();
          throw new NotFound();
        }
        const declared = Number(r.headers['content-length']);
        const problem =
          r.status !== 200 ? `status ${r.status}` : Number.isFinite(declared) && declared !== r.body.length ? `length ${r.body.length} != Content-Length ${declared}` : undefined;
        if (problem) {
          breaker.failure(problem);
          log.warn({ problem }, 'bad upstream response, trying the next upstream');
          continue;
        }
        breaker.success();
        if (/\bno-store\b/.test(String(r.headers['cache-control'] ?? ''))) return inMemory(r.body, this.deps.clock());
        await writeAtomically(this.deps.mediaRoot, absPath, r.body);
        log.info({ bytes: r.body.length }, 'pulled through');
        return null;
      } catch (err) {
        if (err instanceof NotFound) throw err;
        breaker.failure((err as Error).message);
        log.warn({ err: (err as Error).message }, 'upstream failed, trying the next upstream');
      }
    }
    throw new HttpError(502, 'upstream_unavailable', 'No upstream could provide this file');
  }
}

function inMemory(body: Buffer, nowMs: number): ContentFile {
  return {
    size: body.length,
    mtimeMs: nowMs,
    etag: fileEtag({ dev: 0, ino: 0, size: body.length, mtimeMs: nowMs }),
    read: (range?: ByteRange) => (range ? body.subarray(range.start, range.end + 1) : body),
  };
}
