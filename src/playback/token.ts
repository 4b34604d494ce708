import { createHmac, timingSafeEqual } from 'node:crypto';
import { Forbidden } from '../http/errors.js';
import type { KeySet } from './keyset.js';

/** What a segment token grants: one title, for one playback session, until `exp`. */
export interface TokenClaims {
  /** Title id; the first path segment below /content must equal it. */
  tid: string;
  /** Playback session id. */
  sid: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Highest rendition height the session may see; manifests are filtered to it. */
  maxH: number;
  /** Highest rendition bandwidth (bits/s) the session may see. */
  maxBw: number;
  /** Host of the playback API that owns the session (its steering and license server). */
  api: string;
  /** Set on tokens an edge signs for its upstream fetches: files as stored, no per-session rewriting. */
  raw?: true;
}

/**
 * Token = base64url(JSON claims) "." kid "." base64url(HMAC-SHA256(kid "." payload)). It rides
 * in the URL path, so relative URLs inside manifests carry it to every segment; any edge with
 * the key set verifies it offline.
 */
export function signToken(claims: TokenClaims, keys: KeySet): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const kid = keys.currentKid;
  return `${payload}.${kid}.${mac(keys.keys.get(kid) as Buffer, kid, payload)}`;
}

/** Verifies a token for `titleId` at `nowSec`; every failure is a 403 with a distinct code. */
export function verifyToken(token: string | undefined, titleId: string, keys: KeySet, nowSec: number): TokenClaims {
  if (!token) throw new Forbidden('token_missing', 'A playback token is required');
  const parts = token.split('.');
  if (parts.length !== 3) throw new Forbidden('token_malformed', 'Malformed token');
  const [payload, kid, signature] = parts as [string, string, string];
  const secret = keys.keys.get(kid);
  if (!secret) throw new Forbidden('token_unknown_key', 'Token key unknown');
  const expected = Buffer.from(mac(secret, kid, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Forbidden('token_bad_signature', 'Token signature invalid');
  }
  const claims = parseClaims(payload);
  if (claims.exp <= nowSec) throw new Forbidden('token_expired', 'Token expired');
  if (claims.tid !== titleId) throw new Forbidden('token_wrong_title', 'Token is for another title');
  return claims;
}

function mac(secret: Buffer, kid: string, payload: string): string {
  return createHmac('sha256', secret).update(`${kid}.${payload}`).digest('base64url');
}

function parseClaims(payload: string): TokenClaims {
  try {
    const c = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    if (typeof c.tid === 'string' && typeof c.sid === 'string' && typeof c.api === 'string' && Number.isFinite(c.exp) && Number.isFinite(c.maxH) && Number.isFinite(c.maxBw)) {
      return c;
    }
  } catch {
    // fall through: a signed but unparsable payload is still malformed
  }
  throw new Forbidden('token_malformed', 'Malformed token');
}
