import type { Exchange, Reply } from './exchange.js';
import { BadRequest, HttpError, PayloadTooLarge } from './errors.js';

/** Which `Content-Type`s a JSON body may arrive with besides `application/json`. */
export interface JsonBodyTypes {
  /** Media types (no parameters) also parsed as JSON, e.g. `application/octet-stream`. */
  alsoAccept?: readonly string[];
  /** A body without any `Content-Type` is parsed as JSON too. */
  allowMissingType?: boolean;
}

/**
 * Reads and parses a JSON request body of at most `limitBytes`. Any other `Content-Type` than
 * `application/json` (or those `types` allows) is a 415 before the body is read.
 */
export async function readJson(ex: Exchange, limitBytes = 16 * 1024, types: JsonBodyTypes = {}): Promise<unknown> {
  const type = ex.headers.get('content-type');
  const mediaType = (type ?? '').split(';')[0]!.trim().toLowerCase();
  const accepted = type === undefined ? types.allowMissingType === true : mediaType === 'application/json' || (types.alsoAccept ?? []).includes(mediaType);
  if (!accepted) throw new HttpError(415, 'unsupported_media_type', 'Expected application/json');
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
