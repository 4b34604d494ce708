import type { Reply } from './exchange.js';
import { HttpError } from './errors.js';

/** The one place that turns an error into a response: small JSON, never a stack or a path. */
export function errorReply(err: unknown): Reply {
  const e = err instanceof HttpError ? err : new HttpError(500, 'internal', 'Internal server error');
  const body = Buffer.from(JSON.stringify({ error: { code: e.code, message: e.message } }));
  return {
    status: e.status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': 'no-store',
      ...e.headers,
    },
    body,
    errorCode: e.code,
  };
}
