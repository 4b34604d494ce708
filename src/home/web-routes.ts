import type { Handler, Reply } from '../http/exchange.js';
import type { Router } from '../http/router.js';
import { HttpError, NotFound } from '../http/errors.js';
import { contentHandler } from '../content/content-handler.js';
import type { ContentStore } from '../content/content-store.js';

/** Asset names carry an esbuild content hash (`player-4F2KQX7A.js`): safe to keep forever. */
const HASHED = /-[A-Z0-9]{8}\.(js|css|map)$/;

/**
 * The web app: `/` (browse) and `/watch/:titleId` (player) are HTML shells built by
 * `scripts/build-web.ts` into `webRoot`; `/app/*` are its scripts and styles; `/favicon.ico` and
 * `/favicon.svg` its icon. Shells are revalidated on every load, hashed assets are immutable,
 * the icon is kept for a day.
 */
export function addWebRoutes(router: Router, deps: { webRoot: string; store: ContentStore }): void {
  const files = contentHandler({ root: deps.webRoot, store: deps.store });
  const page =
    (file: string): Handler =>
    async (ex) => {
      try {
        return withCacheControl(await files(ex, { path: file }), 'no-cache');
      } catch (err) {
        if (err instanceof NotFound) throw new HttpError(503, 'web_app_missing', 'The web app is not built (make web)');
        throw err;
      }
    };
  const icon =
    (file: string): Handler =>
    async (ex) => {
      return withCacheControl(await files(ex, { path: file }), 'public, max-age=86400');
    };
  router
    .add(['GET', 'HEAD'], '/', page('browse.html'))
    .add(['GET', 'HEAD'], '/watch/:titleId', page('player.html'))
    .add(['GET', 'HEAD'], '/favicon.ico', icon('favicon.ico'))
    .add(['GET', 'HEAD'], '/favicon.svg', icon('favicon.svg'))
    .add(['GET', 'HEAD'], '/app/*path', async (ex, params) => {
      const reply = await files(ex, { path: `app/${params.path ?? ''}` });
      return HASHED.test(params.path ?? '') ? withCacheControl(reply, 'public, max-age=31536000, immutable') : reply;
    });
}

/** The reply with its own cache policy (the file's fields are shared: a copy). */
function withCacheControl(reply: Reply, cacheControl: string): Reply {
  return { ...reply, headers: { ...reply.headers, 'cache-control': cacheControl } };
}
