import type { Exchange, Reply } from './exchange.js';
import { BadRequest, HttpError, PayloadTooLarge } from './errors.js';

/** Reads and parses a JSON request body of at most `limitBytes`. */
export async function readJson(ex: Exchange, limitBytes = 16 * 1024): Promise<unknown> {
  const type = ex.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'Expected application/json');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of ex.body()) {
    total += chunk.length;
    if (total > limitBytes) throw new PayloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('invalid_json', 'Body is not valid JSON');
  }
}

/** A JSON reply; API answers are per-user, so not cacheable by shared caches. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  const body = Buffer.from(JSON.stringify(value));
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'private, no-store', ...headers },
    body,
  };
}
