import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { HttpError, NotFound } from '../http/errors.js';
import type { CacheOutcome } from '../http/exchange.js';
import type { NextObjectPrefetch } from '../content/next-object.js';
import type { PrefetchLedger } from '../content/prefetch-ledger.js';
import type { ContentFile, ContentStore } from '../content/content-store.js';
import { fileEtag } from '../content/content-store.js';
import type { ByteRange } from '../http/ranges.js';
import { CircuitBreaker, type UpstreamHealth } from './circuit-breaker.js';
import type { StreamedResponse, UpstreamClient } from './upstream-client.js';
import { GrowingBody } from './growing-body.js';
import { writeAtomically } from './atomic-write.js';

/** Where misses are fetched from; replaceable while the store runs (SIGHUP). */
export interface UpstreamSet {
  /** Upstream origins in preference order, e.g. `https://origin-a:8443`. */
  upstreams: readonly string[];
  /** A transfer that stays below this rate for a whole window is handed to the next upstream; 0 = never. */
  minKbps: number;
}

export interface PullThroughDeps extends UpstreamSet {
  client: UpstreamClient;
  mediaRoot: string;
  /** The node's own files (the segment cache). */
  local: ContentStore;
  /** Upstream request path for a title-relative file (signed for the upstream's token check). */
  upstreamPath: (relPath: string) => string;
  logger: Logger;
  clock: () => number;
  timeoutMs: number;
  /** Bounds of background pulls for CMCD next-object hints, read per hint (reloads apply). */
  prefetchLimits: () => { maxInFlight: number; maxBytes: number };
  /** Prefetched files not asked for yet, and the prefetch counts (keyed by title-relative path). */
  ledger: PrefetchLedger;
}

/** A background pull asks its upstream at the lowest urgency (RFC 9218): clients' pulls go first. */
const PREFETCH_PRIORITY = 'u=7, i';

/** Throughput is judged over windows this long (short ones would punish ordinary jitter). */
const RATE_WINDOW_MS = 2000;

/** Files up to this size are checked whole (length, status) before their first byte goes out. */
const CHECK_WHOLE_BYTES = 256 * 1024;

/** One upstream transfer in progress: the file as clients see it, once its head is known. */
interface Pull {
  file: Promise<ContentFile>;
  /** Settles when the transfer is over. */
  done: Promise<void>;
  /** Set for a background pull a CMCD hint started; `joined` once a client waits for it too. */
  prefetch?: { joined: boolean; bytes: number };
}

/**
 * An edge's content: local files first; a miss is fetched from the first healthy upstream and
 * streamed to every client that asked for it while it arrives (a Range request on a miss gets
 * its bytes as soon as they are here), then written atomically into the media directory and
 * served from the segment cache. Concurrent misses for one file make one upstream request.
 * Small files (manifests, init segments) are checked whole before they are served. A failing
 * upstream (error, timeout, 5xx, bad length) is skipped for the next, which continues a broken
 * transfer with a Range request; repeated failures trip its circuit breaker. Upstream
 * `Cache-Control: no-store` files are served but never written.
 */
export class PullThroughStore implements ContentStore, NextObjectPrefetch {
  private breakers: CircuitBreaker[] = [];
  private client: UpstreamClient;
  private minKbps: number;
  private readonly inflight = new Map<string, Pull>();
  /** Background pulls in flight, and the bytes they announced. */
  private prefetching = { count: 0, bytes: 0 };

  constructor(private readonly deps: PullThroughDeps) {
    this.client = deps.client;
    this.minKbps = deps.minKbps;
    this.useUpstreams({ upstreams: deps.upstreams, minKbps: deps.minKbps });
  }

  /**
   * SIGHUP: switches to another upstream list or slowness floor, and to `client` when given (a
   * new CA). Upstreams that stay keep their circuit state; transfers in flight finish on the old
   * client, which is closed once they are over.
   */
  useUpstreams(next: UpstreamSet & { client?: UpstreamClient }): void {
    const kept = new Map(this.breakers.map((b) => [b.origin, b]));
    this.breakers = next.upstreams.map((origin) => kept.get(origin) ?? new CircuitBreaker(origin, { threshold: 3, cooldownMs: 10_000, clock: this.deps.clock }));
    this.minKbps = next.minKbps;
    const old = this.client;
    if (!next.client || next.client === old) return;
    this.client = next.client;
    void Promise.allSettled([...this.inflight.values()].map((p) => p.done)).then(() => old.close());
  }

  async open(absPath: string, seen?: (outcome: CacheOutcome) => void): Promise<ContentFile> {
    const rel = this.relativePath(absPath);
    try {
      const file = await this.deps.local.open(absPath);
      seen?.(this.deps.ledger.use(rel) ? 'prefetched' : 'hit');
      return file;
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
    const pull = this.inflight.get(rel);
    if (pull?.prefetch) {
      // A client now waits for it: the pull is no longer one the prefetch bounds may drop.
      pull.prefetch.joined = true;
      this.deps.ledger.use(rel);
      seen?.('prefetching');
    } else {
      seen?.(pull ? 'collapsed' : 'miss');
    }
    return (pull ?? this.start(rel, absPath)).file;
  }

  /**
   * A CMCD next-object hint: pulls the file in the background at the lowest upstream priority,
   * unless it is here or on its way already, or the prefetches in flight are at their count or
   * byte bound (checked again against the size the upstream announces). A client asking for the
   * file meanwhile joins the pull like any other.
   */
  prefetch(absPath: string): void {
    const rel = this.relativePath(absPath);
    const ledger = this.deps.ledger;
    if (this.inflight.has(rel)) return ledger.skipped('in_flight');
    if (this.prefetching.count >= this.deps.prefetchLimits().maxInFlight) return ledger.skipped('limit_count');
    // Reserved before the look at the disk, so a burst of hints cannot pass the count.
    this.prefetching.count++;
    void stat(absPath).then(
      () => {
        this.prefetching.count--;
        ledger.skipped('cached');
      },
      () => {
        this.prefetching.count--;
        if (this.inflight.has(rel)) return ledger.skipped('in_flight');
        this.start(rel, absPath, true);
      },
    );
  }

  private relativePath(absPath: string): string {
    return relative(this.deps.mediaRoot, absPath).split(sep).join('/');
  }

  /** Starts a pull and keeps it findable (collapsing) until it is over. */
  private start(rel: string, absPath: string, prefetch = false): Pull {
    const pull = this.pull(rel, absPath, prefetch ? { joined: false, bytes: 0 } : undefined);
    this.inflight.set(rel, pull);
    void pull.done.finally(() => this.inflight.delete(rel));
    return pull;
  }

  /** Closes the upstream connections (server shutdown). */
  close(): void {
    this.client.close();
  }

  /** Upstream health, for metrics and the playback API. */
  health(): UpstreamHealth[] {
    return this.breakers.map((b) => b.health());
  }

  /**
   * Fetches a missing file, trying the upstreams in order. `file` resolves as soon as clients may
   * be served (the head of a large file; the whole of a small one) or rejects (404, 502); `done`
   * settles when the transfer is over and the file stored.
   */
  private pull(rel: string, absPath: string, prefetch?: Pull['prefetch']): Pull {
    let announce!: (file: ContentFile) => void;
    let refuse!: (err: Error) => void;
    const file = new Promise<ContentFile>((resolve, reject) => ((announce = resolve), (refuse = reject)));
    file.catch(() => {});
    if (prefetch) {
      this.prefetching.count++;
      this.deps.ledger.started(rel);
    }
    const upstreamHeaders: Record<string, string> = prefetch ? { priority: PREFETCH_PRIORITY } : {};
    const transfer = (async () => {
      let body: GrowingBody | undefined;
      let announcer: CircuitBreaker | undefined;
      let noStore = false;
      let announced = false;
      for (const breaker of this.breakers) {
        if (!breaker.allows()) continue;
        const log = this.deps.logger.child({ upstream: breaker.origin, path: rel });
        const offset = body?.length ?? 0;
        let res: StreamedResponse | undefined;
        try {
          res = await this.client.open(breaker.origin, this.deps.upstreamPath(rel), this.deps.timeoutMs, offset > 0 ? { ...upstreamHeaders, range: `bytes=${offset}-` } : upstreamHeaders);
          if (res.status === 404 && !body) {
            breaker.success();
            res.close();
            refuse(new NotFound());
            return;
          }
          // A body already being streamed to clients can only be continued with the same file.
          const problem = body ? continuationProblem(res, body) : headProblem(res);
          if (problem) {
            res.close();
            const total = announcedLength(res);
            if (body && announcer && total !== undefined && total !== body.size) {
              // Two upstreams disagree about the file's length: the bytes already streamed came
              // from a file that is not this one. Clients get a cut response, never a mixed one.
              announcer.trip(`length ${body.size} disputed by ${breaker.origin} (${total})`);
              log.warn({ announcedBy: announcer.origin, announced: body.size, length: total }, 'upstreams disagree about the length; the first one is shut out');
              break;
            }
            breaker.failure(problem);
            log.warn({ problem }, 'bad upstream response, trying the next upstream');
            continue;
          }
          if (!body) {
            const size = Number(res.headers['content-length']);
            if (prefetch && !this.admitPrefetch(prefetch, size)) {
              res.close();
              this.deps.ledger.failed(rel, 'limit_bytes');
              refuse(new NotFound());
              return;
            }
            body = new GrowingBody(size);
            announcer = breaker;
            noStore = /\bno-store\b/.test(String(res.headers['cache-control'] ?? ''));
            if (body.size > CHECK_WHOLE_BYTES) {
              announce(streamingFile(body, this.deps.clock()));
              announced = true;
            }
          }
          // Slowness is a reason to move only when there is somewhere to move to.
          const alternative = this.breakers.some((other) => other !== breaker && other.allows());
          await this.receive(res, body, alternative ? this.minKbps : 0);
          if (!body.complete) throw new Error(`body ended after ${body.length} of ${body.size} bytes`);
          breaker.success();
          if (!noStore) await writeAtomically(this.deps.mediaRoot, absPath, body.bytes());
          log.info({ bytes: body.size, protocol: res.protocol, streamed: announced, continuedAt: offset || undefined }, 'pulled through');
          if (!announced) announce(noStore ? streamingFile(body, this.deps.clock()) : await this.deps.local.open(absPath));
          return;
        } catch (err) {
          res?.close();
          breaker.failure((err as Error).message);
          log.warn({ err: (err as Error).message, receivedBytes: body?.length }, 'upstream failed, trying the next upstream');
          // A small file is only ever served whole: a broken one is fetched again in full.
          if (!announced) body = undefined;
          if (!body) announcer = undefined;
        }
      }
      const err = new HttpError(502, 'upstream_unavailable', 'No upstream could provide this file');
      body?.fail(err);
      refuse(err);
    })();
    // A prefetch that brought nothing (404, every upstream failed) will never be used.
    if (prefetch) file.catch(() => this.deps.ledger.failed(rel));
    const done = !prefetch
      ? transfer
      : transfer.finally(() => {
          this.prefetching.count--;
          this.prefetching.bytes -= prefetch.bytes;
        });
    return { file, done, ...(prefetch ? { prefetch } : {}) };
  }

  /** Whether a background pull of `size` bytes fits the byte bound (one a client joined always does). */
  private admitPrefetch(prefetch: NonNullable<Pull['prefetch']>, size: number): boolean {
    if (!prefetch.joined && this.prefetching.bytes + size > this.deps.prefetchLimits().maxBytes) return false;
    prefetch.bytes = size;
    this.prefetching.bytes += size;
    return true;
  }

  /**
   * Appends the response body; gives up (throws) when the upstream stalls for `timeoutMs` or
   * delivers less than `minKbps` (0: no floor) over a whole window, so the next upstream
   * continues the rest.
   */
  private async receive(res: StreamedResponse, body: GrowingBody, minKbps: number): Promise<void> {
    let cut: string | undefined;
    const stop = (why: string): void => {
      cut = why;
      res.close();
    };
    let stall = setTimeout(() => stop(`stalled for ${this.deps.timeoutMs} ms`), this.deps.timeoutMs);
    let windowStart = this.deps.clock();
    let windowBytes = 0;
    try {
      for await (const chunk of res.body) {
        body.append(chunk);
        clearTimeout(stall);
        stall = setTimeout(() => stop(`stalled for ${this.deps.timeoutMs} ms`), this.deps.timeoutMs);
        windowBytes += chunk.length;
        const elapsed = this.deps.clock() - windowStart;
        if (elapsed >= RATE_WINDOW_MS) {
          const kbps = (windowBytes * 8) / elapsed;
          if (minKbps > 0 && kbps < minKbps && !body.complete) stop(`slow: ${Math.round(kbps)} kbit/s < ${minKbps}`);
          windowStart = this.deps.clock();
          windowBytes = 0;
        }
      }
    } catch (err) {
      throw new Error(cut ?? (err as Error).message);
    } finally {
      clearTimeout(stall);
    }
    if (cut) throw new Error(cut);
  }
}

/** Why a first response cannot be used: not a 200 with a Content-Length. */
function headProblem(res: StreamedResponse): string | undefined {
  if (res.status !== 200) return `status ${res.status}`;
  const declared = Number(res.headers['content-length']);
  if (!Number.isSafeInteger(declared) || declared < 0) return 'no Content-Length';
  return undefined;
}

/** The whole file's length a response states (Content-Length of a 200, the total of a 206). */
function announcedLength(res: StreamedResponse): number | undefined {
  if (res.status === 200) return Number(res.headers['content-length']);
  const m = /\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
  return res.status === 206 && m ? Number(m[1]) : undefined;
}

/** Why a response cannot continue `body`: it must be exactly the rest of a file of the same length. */
function continuationProblem(res: StreamedResponse, body: GrowingBody): string | undefined {
  if (body.length === 0) return res.status === 200 && Number(res.headers['content-length']) === body.size ? undefined : `not the ${body.size}-byte file`;
  const expected = `bytes ${body.length}-${body.size - 1}/${body.size}`;
  return res.status === 206 && res.headers['content-range'] === expected ? undefined : `continuation ${res.status} ${String(res.headers['content-range'] ?? '')} is not ${expected}`;
}

/** A file served from a body in flight (or held in memory for no-store). */
function streamingFile(body: GrowingBody, nowMs: number): ContentFile {
  return {
    size: body.size,
    mtimeMs: nowMs,
    etag: fileEtag({ dev: 0, ino: 0, size: body.size, mtimeMs: nowMs }),
    read: (range?: ByteRange) => body.read(range?.start ?? 0, range?.end ?? body.size - 1),
  };
}
