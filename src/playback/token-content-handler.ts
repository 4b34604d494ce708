import { basename } from 'node:path';
import type { Exchange, Handler, Reply } from '../http/exchange.js';
import { contentHandler } from '../content/content-handler.js';
import { resolveInside } from '../http/safe-path.js';
import { rewriteHlsMaster } from '../media/rewrite/hls-master.js';
import { rewriteDashMpd } from '../media/rewrite/dash-mpd.js';
import type { RenditionLimit } from '../media/rewrite/rendition-limit.js';
import { verifyToken, type TokenClaims } from './token.js';
import type { PlaybackRoutesDeps } from './routes.js';

const MASTER_NAMES = new Set(['master.m3u8', 'manifest.mpd']);

/**
 * `/t/<token>/content/<titleId>/…`: verifies the token offline against the shared key set (any
 * edge can), then serves like /content. The title's master playlist and MPD are rewritten for
 * the session: renditions above its limits removed, content steering added.
 */
export function tokenContentHandler(deps: PlaybackRoutesDeps): Handler {
  const files = contentHandler({ root: deps.mediaRoot, store: deps.store });
  return async (ex, params) => {
    const path = params.path ?? '';
    const titleId = decodeURIComponent(path.split('/')[0] ?? '');
    const claims = verifyToken(params.token, titleId, deps.keys, Math.floor(deps.clock() / 1000));
    if (!MASTER_NAMES.has(basename(path))) return files(ex, { path });
    // The session's manifest is a rewrite: ranges and validators of the file do not apply to it.
    const reply = await files(withoutConditionals(ex), { path });
    return rewriteForSession(ex, reply, resolveInside(deps.mediaRoot, path), claims, params.token ?? '', deps);
  };
}

async function rewriteForSession(ex: Exchange, reply: Reply, absPath: string, claims: TokenClaims, token: string, deps: PlaybackRoutesDeps): Promise<Reply> {
  const text = await bodyText(reply);
  const limit: RenditionLimit = { maxHeight: claims.maxH, maxBandwidth: claims.maxBw };
  const cdns = deps.service.rankFor(ex);
  const steeringUri = `https://${ex.authority}/v1/steering/${claims.sid}`;
  const rewritten = absPath.endsWith('.m3u8')
    ? rewriteHlsMaster(text, limit, cdns.length > 1 ? { serverUri: steeringUri, pathwayId: '.' } : undefined)
    : rewriteDashMpd(
        text,
        limit,
        cdns.length > 1
          ? { serverUri: `${steeringUri}?format=dash`, pathways: cdns.map((c) => ({ id: c.id, baseUrl: `${c.baseUrl}t/${token}/content/${claims.tid}/` })) }
          : undefined,
      );
  const body = Buffer.from(rewritten);
  const headers: Record<string, string> = { ...reply.headers, 'content-length': String(body.length), 'cache-control': 'private, max-age=2' };
  delete headers.etag;
  delete headers['last-modified'];
  delete headers['accept-ranges'];
  return { ...reply, headers, body: ex.method === 'HEAD' ? null : body };
}

const DROPPED = new Set(['range', 'if-range', 'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since']);

function withoutConditionals(ex: Exchange): Exchange {
  const headers = new Map([...ex.headers].filter(([name]) => !DROPPED.has(name)));
  return { ...ex, method: 'GET', headers };
}

async function bodyText(reply: Reply): Promise<string> {
  if (reply.body === null) return '';
  if (Buffer.isBuffer(reply.body)) return reply.body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of reply.body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
