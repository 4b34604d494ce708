import type { CacheOutcome, Exchange, Handler, Reply } from '../http/exchange.js';
import { RangeNotSatisfiable } from '../http/errors.js';
import { resolveInside } from '../http/safe-path.js';
import { evaluateConditionals, ifRangeAllowsPartial } from '../http/conditional.js';
import { contentRange, evaluateRange, type RangePolicy } from '../http/ranges.js';
import { cacheControlFor, contentTypeFor } from '../http/content-type.js';
import type { ContentFile, ContentStore } from './content-store.js';
import { multipartBody } from './multipart.js';
import { SymlinkGuard } from './symlink-guard.js';
import { nextObjectPath, type NextObjectPrefetch } from './next-object.js';

export interface ContentHandlerDeps {
  /** Directory served; every path is resolved inside it. */
  root: string;
  store: ContentStore;
  /**
   * Where a request's CMCD next-object hint goes (an edge's pull, an origin's warm-up), when the
   * node acts on hints; read per request so a reload applies.
   */
  next?: () => NextObjectPrefetch | null;
  rangePolicy?: RangePolicy;
  /** Source of multipart boundaries, injectable for tests. */
  boundary?: () => string;
  /**
   * Whole-file answers are the same for anyone who asks (no token, no per-client rule on the
   * route): marked repeatable, so a transport may repeat them for a moment (Reply.repeatable).
   */
  repeatable?: boolean;
}

/**
 * GET/HEAD for `/content/*path`: static media with validators, conditional requests and byte
 * ranges (single ranges as 206, several as multipart/byteranges). The route must name the
 * rest of the path `path`.
 */
export function contentHandler(deps: ContentHandlerDeps): Handler {
  const files = new ContentFiles(deps.root, deps.store);
  return async (ex, params) => {
    const path = params.path ?? '';
    const { abs, file, cache } = await files.open(path);
    const next = deps.next?.();
    if (next) files.hintNext(ex, path, next);
    const reply = respondWithFile(ex, abs, file, deps);
    if (cache) reply.cache = cache;
    if (deps.repeatable && reply.status === 200 && Buffer.isBuffer(reply.body)) reply.repeatable = true;
    return reply;
  };
}

/**
 * The files under a media root as handlers reach them: a request path decoded once and resolved
 * inside the root (traversal refused), symlinks followed only while they stay inside, then
 * opened from the store. Throws BadRequest/NotFound.
 */
export class ContentFiles {
  private readonly guard: SymlinkGuard;

  constructor(
    private readonly root: string,
    private readonly store: ContentStore,
  ) {
    this.guard = new SymlinkGuard(root);
  }

  async open(relPath: string): Promise<{ abs: string; file: ContentFile; cache?: CacheOutcome }> {
    const abs = resolveInside(this.root, relPath);
    await this.guard.assertInside(abs);
    let cache: CacheOutcome | undefined;
    const file = await this.store.open(abs, (outcome) => (cache = outcome));
    return { abs, file, ...(cache ? { cache } : {}) };
  }

  /**
   * Hands the object a request's CMCD `nor` names to `next`, if it stays within the request's
   * title and inside the root (the same checks as a request for it); in the background, never failing.
   */
  hintNext(ex: Exchange, relPath: string, next: NextObjectPrefetch): void {
    const nextRel = nextObjectPath(ex, relPath);
    if (nextRel === null) return;
    void (async () => {
      const abs = resolveInside(this.root, nextRel);
      await this.guard.assertInside(abs);
      next.prefetch(abs);
    })().catch(() => undefined);
  }
}

function respondWithFile(ex: Exchange, abs: string, file: ContentFile, deps: ContentHandlerDeps): Reply {
  const reply = fileReply(ex, abs, file, deps);
  if (file.intact && reply.body !== null) reply.intact = file.intact;
  return reply;
}

/** The fields every answer for one version of one file carries, and its whole-file 200 fields. */
interface FileHeads {
  validators: Readonly<Record<string, string>>;
  full: Readonly<Record<string, string>>;
  type: string;
}

/**
 * Built once per file version (a store hands out one ContentFile per version while it caches it)
 * and shared by its answers: nobody mutates a reply's fields (the core hands its own to the sink beside them).
 */
const headsByFile = new WeakMap<ContentFile, FileHeads>();

function headsOf(abs: string, file: ContentFile): FileHeads {
  let heads = headsByFile.get(file);
  if (heads) return heads;
  const type = contentTypeFor(abs);
  const validators = Object.freeze({
    etag: file.etag,
    'last-modified': new Date(file.mtimeMs).toUTCString(),
    'cache-control': cacheControlFor(abs),
    'accept-ranges': 'bytes',
  });
  heads = { validators, full: Object.freeze({ ...validators, 'content-type': type, 'content-length': String(file.size) }), type };
  headsByFile.set(file, heads);
  return heads;
}

function fileReply(ex: Exchange, abs: string, file: ContentFile, deps: ContentHandlerDeps): Reply {
  const { validators: headers, full, type } = headsOf(abs, file);
  if (evaluateConditionals(ex, { etag: file.etag, lastModifiedMs: file.mtimeMs }) === 'not-modified') {
    return { status: 304, headers, body: null };
  }
  const outcome = ifRangeAllowsPartial(ex, { etag: file.etag, lastModifiedMs: file.mtimeMs })
    ? evaluateRange(ex.headers.get('range'), file.size, deps.rangePolicy)
    : { kind: 'full' as const };
  if (outcome.kind === 'unsatisfiable') throw new RangeNotSatisfiable(file.size);
  if (outcome.kind === 'full') return { status: 200, headers: full, body: file.read() };
  const [only, ...more] = outcome.ranges;
  if (only && more.length === 0) {
    return {
      status: 206,
      headers: {
        ...headers,
        'content-type': type,
        'content-range': contentRange(only, file.size),
        'content-length': String(only.end - only.start + 1),
      },
      body: file.read(only),
    };
  }
  const boundary = (deps.boundary ?? randomBoundary)();
  const multi = multipartBody(file, outcome.ranges, type, boundary);
  return {
    status: 206,
    headers: { ...headers, 'content-type': `multipart/byteranges; boundary=${boundary}`, 'content-length': String(multi.length) },
    body: multi.body,
  };
}

function randomBoundary(): string {
  return `h3edge-${crypto.randomUUID()}`;
}
