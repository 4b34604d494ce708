import type { AppliedPriority } from '../priority/priority.js';
import type { Exchange, Reply } from './exchange.js';

/**
 * Request fields that leave a repeatable reply unchanged: what browsers and players put on every
 * request (content negotiation the static-file routes ignore, client hints, fetch metadata,
 * Firefox's `alt-used`: RFC 7838 §5) and the client's priority signal (the transport applies it
 * as for any answer). Chromium's and Firefox's fetches of a file carry nothing else. A request with any
 * other field (ranges, validators, `origin`, cookies, credentials, CMCD, `purpose`, `early-data`)
 * is never given a kept answer.
 */
export const KEPT_REQUEST_FIELDS: readonly string[] = Object.freeze([
  'accept',
  'accept-encoding',
  'accept-language',
  'user-agent',
  'priority',
  'referer',
  'alt-used',
  'dnt',
  'sec-fetch-dest',
  'sec-fetch-mode',
  'sec-fetch-site',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
]);

/**
 * How long a transport repeats a kept answer. The same second the content routes trust a path's
 * symlink check for (content/symlink-guard.ts) and nginx's open_file_cache a file's: a file
 * replaced by rename is answered in its old version, whole, for at most this long.
 */
export const KEPT_ANSWER_MS = 1000;

/** Larger bodies are not kept: their per-request cost is small beside their bytes. */
export const MAX_KEPT_BODY_BYTES = 256 * 1024;

/**
 * Whether the answer `reply` gave to `ex` may be repeated: the handler said so (a static file's
 * whole body), and nothing of this request shaped it — a GET outside early data, no query, no
 * field beyond the kept ones, no CMCD, a small whole body. A client's priority signal is allowed:
 * the answer is kept at our class priority and the transport applies each client's own.
 */
export function isKeepable(ex: Exchange, reply: Reply, priority: AppliedPriority): reply is Reply & { body: Buffer } {
  if (reply.repeatable !== true || reply.status !== 200 || ex.method !== 'GET' || ex.earlyData) return false;
  if (!Buffer.isBuffer(reply.body) || reply.body.length > MAX_KEPT_BODY_BYTES) return false;
  if (priority.chosenBy === 'cmcd' || ex.target.includes('?')) return false;
  for (const name of ex.headers.keys()) if (!KEPT_REQUEST_FIELDS.includes(name)) return false;
  return true;
}
