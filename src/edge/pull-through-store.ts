import { relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { HttpError, NotFound } from '../http/errors.js';
import type { ContentFile, ContentStore } from '../content/content-store.js';
import { fileEtag } from '../content/content-store.js';
import type { ByteRange } from '../http/ranges.js';
import { CircuitBreaker, type UpstreamHealth } from './circuit-breaker.js';
import { PartialUpstreamResponse, type UpstreamClient, type UpstreamResponse } from './upstream-client.js';
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

  /** One upstream request: the whole file, or the rest of it behind `prefix` (null if they do not line up). */
  private async fetch(origin: string, rel: string, prefix: { bytes: Buffer; total: number } | undefined): Promise<UpstreamResponse | null> {
    const headers: Record<string, string> = prefix ? { range: `bytes=${prefix.bytes.length}-` } : {};
    const raw = await this.deps.client.get(origin, this.deps.upstreamPath(rel), this.deps.timeoutMs, headers);
    return prefix ? joinContinuation(prefix, raw) : raw;
  }

  /**
   * Fetches a missing file; resolves null once it is stored, or the file itself if it must not be
   * stored. When an upstream dies part-way through the body, the next one is asked only for the
   * rest (Range), and the pieces must add up to the first upstream's Content-Length.
   */
  private async pull(rel: string, absPath: string): Promise<ContentFile | null> {
    let prefix: { bytes: Buffer; total: number } | undefined;
    for (const breaker of this.breakers) {
      if (!breaker.allows()) continue;
      const log = this.deps.logger.child({ upstream: breaker.origin, path: rel });
      try {
        let r = await this.fetch(breaker.origin, rel, prefix);
        if (prefix && r === null) {
          // The pieces do not line up (another file, another length): take this upstream's whole file.
          prefix = undefined;
          r = await this.fetch(breaker.origin, rel, undefined);
        }
        if (r === null) throw new Error('continuation mismatch');
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
        if (err instanceof PartialUpstreamResponse && err.status === 200 && !prefix) {
          const total = Number(err.headers['content-length']);
          if (Number.isFinite(total) && err.received.length < total) prefix = { bytes: err.received, total };
        }
        log.warn({ err: (err as Error).message, receivedBytes: prefix?.bytes.length }, 'upstream failed, trying the next upstream');
      }
    }
    throw new HttpError(502, 'upstream_unavailable', 'No upstream could provide this file');
  }
}

/**
 * Puts a 206 continuation behind the bytes an earlier upstream delivered; null unless it is
 * exactly the rest of a file of the same length (a 404 passes through as it is).
 */
function joinContinuation(prefix: { bytes: Buffer; total: number }, r: UpstreamResponse): UpstreamResponse | null {
  if (r.status === 404) return r;
  const expected = `bytes ${prefix.bytes.length}-${prefix.total - 1}/${prefix.total}`;
  if (r.status !== 206 || r.headers['content-range'] !== expected) return null;
  const body = Buffer.concat([prefix.bytes, r.body]);
  return { status: 200, headers: { ...r.headers, 'content-length': String(prefix.total) }, body };
}

function inMemory(body: Buffer, nowMs: number): ContentFile {
  return {
    size: body.length,
    mtimeMs: nowMs,
    etag: fileEtag({ dev: 0, ino: 0, size: body.length, mtimeMs: nowMs }),
    read: (range?: ByteRange) => (range ? body.subarray(range.start, range.end + 1) : body),
  };
}
