import type { Handler } from '../http/exchange.js';

/** Liveness: answers as long as the event loop turns and the router works. */
export function healthHandler(clock: () => number = Date.now): Handler {
  const startedAt = clock();
  return () => {
    const body = Buffer.from(JSON.stringify({ status: 'ok', uptimeSec: Math.floor((clock() - startedAt) / 1000) }));
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store' },
      body,
    };
  };
}
