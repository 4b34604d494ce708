import { realpath } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import type { Exchange, Handler, Reply } from '../http/exchange.js';
import { NotFound, RangeNotSatisfiable } from '../http/errors.js';
import { resolveInside } from '../http/safe-path.js';
import { evaluateConditionals, ifRangeAllowsPartial } from '../http/conditional.js';
import { contentRange, evaluateRange, type RangePolicy } from '../http/ranges.js';
import { cacheControlFor, contentTypeFor } from '../http/content-type.js';
import type { ContentFile, ContentStore } from './content-store.js';
import { multipartBody } from './multipart.js';

export interface ContentHandlerDeps {
  /** Directory served; every path is resolved inside it. */
  root: string;
  store: ContentStore;
  rangePolicy?: RangePolicy;
  /** Source of multipart boundaries, injectable for tests. */
  boundary?: () => string;
}

/**
 * GET/HEAD for `/content/*path`: static media with validators, conditional requests and byte
 * ranges (single ranges as 206, several as multipart/byteranges). The route must name the
 * rest of the path `path`.
 */
export function contentHandler(deps: ContentHandlerDeps): Handler {
  // Resolved on first use: the media directory may appear after start (readiness says so).
  let realRoot: string | undefined;
  return async (ex, params) => {
    const abs = resolveInside(deps.root, params.path ?? '');
    realRoot ??= await realpath(deps.root).catch(() => {
      throw new NotFound();
    });
    await assertNoSymlinkEscape(abs, realRoot);
    const file = await deps.store.open(abs);
    return respondWithFile(ex, abs, file, deps);
  };
}

function respondWithFile(ex: Exchange, abs: string, file: ContentFile, deps: ContentHandlerDeps): Reply {
  const type = contentTypeFor(abs);
  const headers: Record<string, string> = {
    etag: file.etag,
    'last-modified': new Date(file.mtimeMs).toUTCString(),
    'cache-control': cacheControlFor(abs),
    'accept-ranges': 'bytes',
  };
  if (evaluateConditionals(ex, { etag: file.etag, lastModifiedMs: file.mtimeMs }) === 'not-modified') {
    return { status: 304, headers, body: null };
  }
  const outcome = ifRangeAllowsPartial(ex, { etag: file.etag, lastModifiedMs: file.mtimeMs })
    ? evaluateRange(ex.headers.get('range'), file.size, deps.rangePolicy)
    : { kind: 'full' as const };
  if (outcome.kind === 'unsatisfiable') throw new RangeNotSatisfiable(file.size);
  if (outcome.kind === 'full') {
    return { status: 200, headers: { ...headers, 'content-type': type, 'content-length': String(file.size) }, body: file.read() };
  }
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

/**
 * A symlink inside the media directory must not point outside of it. For a file that does not
 * exist yet (an edge may fetch it) the nearest existing directory above it is checked instead,
 * since that is where it would be written.
 */
async function assertNoSymlinkEscape(abs: string, realRoot: string): Promise<void> {
  let path = abs;
  for (;;) {
    try {
      const real = await realpath(path);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new NotFound();
      return;
    } catch (err) {
      if (err instanceof NotFound || (err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw new NotFound();
      path = dirname(path);
    }
  }
}

function randomBoundary(): string {
  return `h3edge-${crypto.randomUUID()}`;
}
