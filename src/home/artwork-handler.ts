import { join } from 'node:path';
import type { Handler } from '../http/exchange.js';
import { NotFound } from '../http/errors.js';
import { evaluateConditionals } from '../http/conditional.js';
import type { ContentFile, ContentStore } from '../content/content-store.js';
import { ARTWORK_ASPECTS, ARTWORK_FORMATS, artworkFile, type ArtworkAspect, type ArtworkFormat } from './artwork-spec.js';
import { negotiateType } from './accept.js';

const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/**
 * GET/HEAD `/artwork/:titleId/:aspect/:width`: one URL per size (srcset-friendly), the encoding
 * chosen by `Accept` (AVIF or WebP when named, by q-value, else JPEG), hence `Vary: Accept`. Renditions never change
 * under a URL, so they are cached for a year. `root` is the artwork directory.
 */
export function artworkHandler(deps: { root: string; store: ContentStore }): Handler {
  return async (ex, params) => {
    const { titleId = '', aspect = '', width = '' } = params;
    if (!SAFE_ID.test(titleId) || !(aspect in ARTWORK_ASPECTS)) throw new NotFound();
    const px = Number(width);
    if (!(ARTWORK_ASPECTS[aspect as ArtworkAspect].widths as readonly number[]).includes(px)) throw new NotFound();
    const { file, format } = await openPreferred(deps, titleId, aspect as ArtworkAspect, px, ex.headers.get('accept'));
    const headers: Record<string, string> = {
      etag: file.etag,
      vary: 'Accept',
      'cache-control': 'public, max-age=31536000, immutable',
      'last-modified': new Date(file.mtimeMs).toUTCString(),
    };
    if (evaluateConditionals(ex, { etag: file.etag, lastModifiedMs: file.mtimeMs }) === 'not-modified') return { status: 304, headers, body: null };
    return { status: 200, headers: { ...headers, 'content-type': format.type, 'content-length': String(file.size) }, body: file.read() };
  };
}

/** The most preferred acceptable encoding that exists on disk; JPEG when the client accepts none. */
async function openPreferred(
  deps: { root: string; store: ContentStore },
  titleId: string,
  aspect: ArtworkAspect,
  width: number,
  accept: string | undefined,
): Promise<{ file: ContentFile; format: ArtworkFormat }> {
  const offered: ArtworkFormat[] = [...ARTWORK_FORMATS];
  while (offered.length > 0) {
    const type =
      negotiateType(
        accept,
        offered.map((f) => f.type),
        offered.filter((f) => f.namedOnly).map((f) => f.type),
      ) ?? 'image/jpeg';
    const format = offered.find((f) => f.type === type) ?? ARTWORK_FORMATS[ARTWORK_FORMATS.length - 1]!;
    try {
      return { file: await deps.store.open(join(deps.root, artworkFile(titleId, aspect, width, format.ext))), format };
    } catch (err) {
      if (!(err instanceof NotFound) || format.ext === 'jpg') throw err;
      offered.splice(offered.indexOf(format), 1);
    }
  }
  throw new NotFound();
}
