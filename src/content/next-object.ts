import type { Exchange } from '../http/exchange.js';

/**
 * Where a media request's CMCD next-object hint goes: an edge pulls the object from its upstream
 * in the background (edge/pull-through-store.ts), an origin maps it into its segment cache
 * (content/warming-store.ts). Must not throw; bounded by the implementation.
 */
export interface NextObjectPrefetch {
  prefetch(absPath: string): void;
}

/**
 * The title-relative path (`<title>/…`, still percent-encoded) of the object a request's CMCD
 * `nor` names, or null when there is none or it leaves the request's title: `nor` is resolved
 * against the request's URL as a relative reference, and must stay below the same route prefix
 * (`/content/` or `/t/<token>/content/`) and the same title as the request. `relPath` is the
 * route's `path` parameter for the request itself. An `nrr` without `nor` names a range of the
 * same object, which the request already brings in: null.
 */
export function nextObjectPath(ex: Exchange, relPath: string): string | null {
  const nor = ex.cmcd?.data.nor;
  if (nor === undefined || !ex.pathname.endsWith(relPath)) return null;
  const prefix = ex.pathname.slice(0, ex.pathname.length - relPath.length);
  const title = relPath.split('/')[0] ?? '';
  if (title === '') return null;
  let resolved: URL;
  try {
    resolved = new URL(nor, `https://node${ex.pathname}`);
  } catch {
    return null;
  }
  // Another origin, or a path outside this title (`../other-title/…`, another token): ignored.
  if (resolved.origin !== 'https://node' || !resolved.pathname.startsWith(`${prefix}${title}/`)) return null;
  const next = resolved.pathname.slice(prefix.length);
  return next === relPath ? null : next;
}
