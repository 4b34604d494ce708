import type { Exchange, Handler } from '../http/exchange.js';
import type { Router } from '../http/router.js';
import { BadRequest, NotFound } from '../http/errors.js';
import type { CatalogSource } from './catalog-source.js';
import type { WatchHistoryView } from './watch-history.js';
import { HomeRows } from './home-rows.js';
import { titleDetails } from './tiles.js';
import { decodeCursor } from './cursor.js';
import { answerJson, cacheableJson } from './cacheable-json.js';

export interface HomeRoutesDeps {
  catalog: CatalogSource;
  history: WatchHistoryView;
  /** Rows per page of `/v1/home`. */
  rowsPerPage?: number;
  /** Tiles per page of a row. */
  tilesPerPage?: number;
}


const PROFILE = /^[A-Za-z0-9_.@-]{1,64}$/;

/**
 * Registers the metadata API: `GET /v1/home?profile=…[&cursor=…]` (a page of ranked rows, each
 * with its first tiles), `GET /v1/home/rows/:rowId?profile=…&cursor=…` (more tiles of one row)
 * and `GET /v1/titles/:id` (details and episodes). All answers carry an ETag and answer 304.
 */
export function addHomeRoutes(router: Router, deps: HomeRoutesDeps): void {
  // Rows and pages are made once per change of the catalog or a history, not per request.
  const rows = new HomeRows(deps.history, { rowsPerPage: deps.rowsPerPage ?? 3, tilesPerPage: deps.tilesPerPage ?? 10 });
  // At start: the catalog read and the first page of a profile without history made, so the
  // first viewers do not wait for them. A catalog that cannot be read is reported by requests.
  void deps.catalog
    .current()
    .then((view) => rows.homePage(view, 'anonymous', 0))
    .catch(() => undefined);
  const home: Handler = async (ex) => {
    const view = await deps.catalog.current();
    return answerJson(ex, rows.homePage(view, profileOf(ex), decodeCursor(ex.query.get('cursor'))));
  };
  const row: Handler = async (ex, params) => {
    const view = await deps.catalog.current();
    const found = rows.rows(view, profileOf(ex)).find((r) => r.id === params.rowId);
    if (!found) throw new NotFound('Unknown row');
    return cacheableJson(ex, rows.rowPage(view, found, decodeCursor(ex.query.get('cursor'))));
  };
  const title: Handler = async (ex, params) => {
    const details = titleDetails(await deps.catalog.current(), params.id ?? '');
    if (!details) throw new NotFound('Unknown title');
    return cacheableJson(ex, details);
  };
  router.add(['GET', 'HEAD'], '/v1/home', home).add(['GET', 'HEAD'], '/v1/home/rows/:rowId', row).add(['GET', 'HEAD'], '/v1/titles/:id', title);
}

function profileOf(ex: Exchange): string {
  const profile = ex.query.get('profile') ?? 'anonymous';
  if (!PROFILE.test(profile)) throw new BadRequest('invalid_profile', 'profile must be 1–64 characters of A–Z a–z 0–9 _ . @ -');
  return profile;
}
