import type { Handler } from '../../http/exchange.js';
import { BadRequest, Forbidden } from '../../http/errors.js';
import type { KeyStore } from './key-store.js';

const HEX16 = /^[0-9a-f]{32}$/;

/**
 * GET `/v1/license/clearkey/key?session=&kid=`: the 16 raw bytes of one content key, the HLS
 * "identity" key format (RFC 8216bis §5.1) that Shaka's HLS parser turns into a ClearKey license.
 * The same gate as the JSON license: a live playback session of the title the key belongs to.
 * Never cached anywhere (`private, no-store`).
 */
export function identityKeyHandler(deps: { keys: KeyStore; sessionTitle: (sessionId: string) => string | undefined }): Handler {
  return async (ex) => {
    const titleId = deps.sessionTitle(ex.query.get('session') ?? '');
    if (!titleId) throw new Forbidden('license_no_session', 'No live playback session for this key request');
    const kid = (ex.query.get('kid') ?? '').toLowerCase();
    if (!HEX16.test(kid)) throw new BadRequest('license_bad_request', 'Expected kid=<32 hex digits>');
    const key = (await deps.keys.get(titleId))?.keys.find((k) => k.kid === kid)?.key;
    if (!key) throw new Forbidden('license_wrong_key', 'Key id not part of this title');
    const body = Buffer.from(key, 'hex');
    return {
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'cache-control': 'private, no-store' },
      body,
    };
  };
}
