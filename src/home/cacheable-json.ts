import { createHash } from 'node:crypto';
import type { Exchange, Reply } from '../http/exchange.js';
import { evaluateConditionals } from '../http/conditional.js';

/** A JSON body with its strong ETag, made once and answered many times. */
export interface JsonRepresentation {
  body: Buffer;
  etag: string;
}

/** Serialises `value` and tags it with a hash of the bytes. */
export function jsonRepresentation(value: unknown): JsonRepresentation {
  const body = Buffer.from(JSON.stringify(value));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * A JSON answer a browser may keep and revalidate: strong ETag over the body, `no-cache` so
 * every use asks again, and `304` when `If-None-Match` matches (RFC 9110 §13.1.2). Private:
 * answers depend on the profile.
 */
export function cacheableJson(ex: Exchange, value: unknown): Reply {
  return answerJson(ex, jsonRepresentation(value));
}

/** `cacheableJson` of a body made before. */
export function answerJson(ex: Exchange, { body, etag }: JsonRepresentation): Reply {
  const headers = { etag, 'cache-control': 'private, no-cache' };
  if (evaluateConditionals(ex, { etag, lastModifiedMs: Number.NaN }) === 'not-modified') return { status: 304, headers, body: null };
  return { status: 200, headers: { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) }, body };
}
