import { basename } from 'node:path';
import type { Exchange, Handler, Reply } from '../http/exchange.js';
import { ContentFiles, contentHandler } from '../content/content-handler.js';
import { contentTypeFor } from '../http/content-type.js';
import { BadRequest } from '../http/errors.js';
import { rewriteHlsMaster } from '../media/rewrite/hls-master.js';
import { rewriteDashMpd } from '../media/rewrite/dash-mpd.js';
import { addHlsMediaKeys } from '../media/rewrite/hls-keys.js';
import type { ProtectionSignal } from '../media/rewrite/protection.js';
import type { ContentFile, ContentStore } from '../content/content-store.js';
import type { NextObjectPrefetch } from '../content/next-object.js';
import { verifyToken, type TokenClaims } from './token.js';
import type { KeySet } from './keyset.js';
import type { PlaybackService } from './playback-service.js';
import type { KeyStore } from './drm/key-store.js';
import type { LicenseServers } from './drm/drm-catalog.js';

/** What the token-guarded content path needs; the playback routes' deps satisfy it. */
export interface TokenContentDeps {
  /** Admits a session's media request (stream limit) and ranks CDNs for steering. */
  service: Pick<PlaybackService, 'admitMedia' | 'rankFor'>;
  /** The shared key set tokens are verified against; read per request so rotations apply. */
  keys: () => KeySet;
  mediaRoot: string;
  store: ContentStore;
  /** Where a media request's CMCD next-object hint goes; the hint stays within the token's title. */
  next?: () => NextObjectPrefetch | null;
  keyStore: KeyStore;
  licenseServers: LicenseServers;
  clock: () => number;
}

/**
 * `/t/<token>/content/<titleId>/…`: verifies the token offline against the shared key set (any
 * edge can), then serves like /content. Playlists and the MPD are rewritten for the session:
 * renditions above its limits removed, content steering and DRM signalling added.
 */
export function tokenContentHandler(deps: TokenContentDeps): Handler {
  // The route prefix is /t/<token>/content/: a next-object hint resolves within it and the title.
  const serveFile = contentHandler({ root: deps.mediaRoot, store: deps.store, ...(deps.next ? { next: deps.next } : {}) });
  const files = new ContentFiles(deps.mediaRoot, deps.store);
  return async (ex, params) => {
    const path = params.path ?? '';
    const titleId = decodeSegment(path.split('/')[0] ?? '');
    const claims = verifyToken(params.token, titleId, deps.keys(), Math.floor(deps.clock() / 1000));
    // Edges' own fetches (raw tokens) belong to no player session.
    if (!claims.raw) deps.service.admitMedia(claims.sid);
    const name = basename(path);
    const isPlaylist = name.endsWith('.m3u8') || name.endsWith('.mpd');
    if (!isPlaylist || claims.raw) return serveFile(ex, { path });
    const protection = await protectionFor(claims, deps);
    let rewrite: ((text: string) => string) | undefined;
    if (name === 'master.m3u8') rewrite = (text) => rewriteMaster(ex, text, claims, protection, deps);
    else if (name === 'manifest.mpd') rewrite = (text) => rewriteMpd(ex, text, claims, params.token ?? '', protection, deps);
    else if (protection && name.endsWith('.m3u8')) rewrite = (text) => addHlsMediaKeys(text, protection);
    // A media playlist of a clear title is the file as it is, validators and ranges included.
    if (!rewrite) return serveFile(ex, { path });
    // The session's playlist is a rewrite: the file's validators and ranges do not apply to it.
    const { file } = await files.open(path);
    return sessionReply(rewrite(await fileText(file)), contentTypeFor(name));
  };
}

function rewriteMaster(ex: Exchange, text: string, claims: TokenClaims, protection: ProtectionSignal | undefined, deps: TokenContentDeps): string {
  const cdns = deps.service.rankFor(ex);
  const steering = cdns.length > 1 ? { serverUri: `https://${claims.api}/v1/steering/${claims.sid}`, pathwayId: '.' } : undefined;
  return rewriteHlsMaster(text, { maxHeight: claims.maxH, maxBandwidth: claims.maxBw }, steering, protection);
}

function rewriteMpd(ex: Exchange, text: string, claims: TokenClaims, token: string, protection: ProtectionSignal | undefined, deps: TokenContentDeps): string {
  const cdns = deps.service.rankFor(ex);
  const steering =
    cdns.length > 1
      ? {
          serverUri: `https://${claims.api}/v1/steering/${claims.sid}?format=dash`,
          pathways: cdns.map((c) => ({ id: c.id, baseUrl: `${c.baseUrl}t/${token}/content/${claims.tid}/` })),
        }
      : undefined;
  return rewriteDashMpd(text, { limit: { maxHeight: claims.maxH, maxBandwidth: claims.maxBw }, steering, protection });
}

/** DRM signalling for an encrypted title: license URLs per system, ClearKey bound to the session. */
async function protectionFor(claims: TokenClaims, deps: TokenContentDeps): Promise<ProtectionSignal | undefined> {
  const keys = await deps.keyStore.get(claims.tid);
  const first = keys?.keys[0];
  if (!keys || !first) return undefined;
  return {
    kid: first.kid,
    scheme: keys.scheme,
    clearKeyUrl: `https://${claims.api}/v1/license/clearkey?session=${encodeURIComponent(claims.sid)}`,
    identityKeyUrl: `https://${claims.api}/v1/license/clearkey/key?session=${encodeURIComponent(claims.sid)}&kid=${first.kid}`,
    widevineUrl: deps.licenseServers.widevine,
    playreadyUrl: deps.licenseServers.playready,
    fairplayUrl: deps.licenseServers.fairplay,
  };
}

/** A playlist rewritten for one session: private, short-lived, no validators. */
function sessionReply(text: string, contentType: string): Reply {
  const body = Buffer.from(text);
  return { status: 200, headers: { 'content-type': contentType, 'content-length': String(body.length), 'cache-control': 'private, max-age=2' }, body };
}

/** A percent-encoded path segment, decoded; malformed escapes are the client's error (400). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequest('bad_path', 'Malformed percent-encoding in path');
  }
}

/** The whole file as text (a playlist: small). */
async function fileText(file: ContentFile): Promise<string> {
  const bytes = file.read();
  if (Buffer.isBuffer(bytes)) return bytes.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const c of bytes) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}
