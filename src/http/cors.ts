import type { Exchange, Reply } from './exchange.js';

/**
 * Headers a browser player on another origin needs to read our responses and their timing, and
 * the server data (CTA-5006) players such as dash.js act on.
 */
const EXPOSED = 'Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified, Date, Early-Data, CMSD-Static, CMSD-Dynamic';

/** Adds CORS response fields to every reply (segments are public; tokens, not origins, guard them). */
export function withCors(ex: Exchange, reply: Reply): Reply {
  if (ex.headers.get('origin') === undefined) return reply;
  // A copy: a reply's fields may be shared by every answer for one file version.
  reply.headers = {
    ...reply.headers,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': EXPOSED,
    // Lets PerformanceResourceTiming report protocol and timings to the player page.
    'timing-allow-origin': '*',
  };
  return reply;
}

/** Answers a CORS preflight (an OPTIONS with Access-Control-Request-Method). */
export function isPreflight(ex: Exchange): boolean {
  return ex.method === 'OPTIONS' && ex.headers.get('access-control-request-method') !== undefined;
}

export function preflightReply(ex: Exchange): Reply {
  const requested = ex.headers.get('access-control-request-headers');
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
      // A player sending CMCD as fields (CTA-5004 §3.2) asks for them in its preflight.
      'access-control-allow-headers': requested ?? 'Range, If-None-Match, If-Modified-Since, If-Range, Content-Type, Priority, CMCD-Request, CMCD-Object, CMCD-Status, CMCD-Session',
      'access-control-max-age': '86400',
      'content-length': '0',
    },
    body: null,
  };
}
