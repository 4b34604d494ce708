import type { Handler } from '../../http/exchange.js';
import { BadRequest, Forbidden } from '../../http/errors.js';
import { jsonReply, readJson } from '../../http/json.js';
import type { KeyStore } from './key-store.js';

/**
 * A CDM's license message goes out as the player got it: dash.js labels it JSON, Shaka sends it
 * with no Content-Type, others as `application/octet-stream`. The body is parsed as JSON in all three.
 */
const LICENSE_REQUEST_TYPES = { alsoAccept: ['application/octet-stream'], allowMissingType: true } as const;

/**
 * W3C Encrypted Media Extensions ClearKey license exchange (EME §9.1.3/§9.1.4): the CDM sends
 * `{"kids": [base64url…], "type": "temporary"}`, we answer a JWK set with the keys. Only for a
 * live playback session of the title the keys belong to: a license is a key handed out.
 */
export function clearKeyLicenseHandler(deps: { keys: KeyStore; sessionTitle: (sessionId: string) => string | undefined }): Handler {
  return async (ex) => {
    const sessionId = ex.query.get('session') ?? '';
    const titleId = deps.sessionTitle(sessionId);
    if (!titleId) throw new Forbidden('license_no_session', 'No live playback session for this license request');
    const body = (await readJson(ex, 4096, LICENSE_REQUEST_TYPES)) as { kids?: unknown; type?: unknown };
    if (!Array.isArray(body?.kids) || body.kids.length === 0 || body.kids.length > 16 || !body.kids.every((k) => typeof k === 'string')) {
      throw new BadRequest('license_bad_request', 'Expected {"kids": [base64url key ids]}');
    }
    const title = await deps.keys.get(titleId);
    const byKid = new Map((title?.keys ?? []).map((k) => [Buffer.from(k.kid, 'hex').toString('base64url'), k.key]));
    const keys = (body.kids as string[]).map((kid) => {
      const key = byKid.get(kid.replace(/=+$/, ''));
      if (!key) throw new Forbidden('license_wrong_key', 'Key id not part of this title');
      return { kty: 'oct', kid: kid.replace(/=+$/, ''), k: Buffer.from(key, 'hex').toString('base64url') };
    });
    return jsonReply(200, { keys, type: body.type === 'persistent-license' ? 'temporary' : (body.type ?? 'temporary') });
  };
}
