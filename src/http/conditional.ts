import type { Exchange } from './exchange.js';
import { PreconditionFailed } from './errors.js';

/** Validators of the selected representation. */
export interface Validators {
  etag: string;
  lastModifiedMs: number;
}

/** What the conditional request evaluation decided (RFC 9110 §13.2.2 order). */
export type ConditionalOutcome = 'proceed' | 'not-modified';

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since in the order of
 * RFC 9110 §13.2.2. Throws PreconditionFailed for a failed If-Match/If-Unmodified-Since.
 */
export function evaluateConditionals(ex: Exchange, v: Validators): ConditionalOutcome {
  const h = ex.headers;
  const ifMatch = h.get('if-match');
  if (ifMatch !== undefined) {
    if (!matchesAny(ifMatch, v.etag, 'strong')) throw new PreconditionFailed();
  } else {
    const ius = parseHttpDate(h.get('if-unmodified-since'));
    if (ius !== undefined && seconds(v.lastModifiedMs) > ius) throw new PreconditionFailed();
  }
  const safe = ex.method === 'GET' || ex.method === 'HEAD';
  const ifNoneMatch = h.get('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (matchesAny(ifNoneMatch, v.etag, 'weak')) {
      if (safe) return 'not-modified';
      throw new PreconditionFailed();
    }
    return 'proceed';
  }
  if (safe) {
    const ims = parseHttpDate(h.get('if-modified-since'));
    if (ims !== undefined && seconds(v.lastModifiedMs) <= ims) return 'not-modified';
  }
  return 'proceed';
}

/**
 * RFC 9110 §13.1.5: a Range is honoured only if If-Range matches the current representation
 * (strong ETag comparison, or an HTTP-date equal to Last-Modified).
 */
export function ifRangeAllowsPartial(ex: Exchange, v: Validators): boolean {
  const value = ex.headers.get('if-range');
  if (value === undefined) return true;
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith('W/')) return !trimmed.startsWith('W/') && trimmed === v.etag;
  const date = parseHttpDate(trimmed);
  return date !== undefined && date === seconds(v.lastModifiedMs);
}

function matchesAny(field: string, etag: string, comparison: 'strong' | 'weak'): boolean {
  if (field.trim() === '*') return true;
  const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);
  for (const raw of field.split(',')) {
    const tag = raw.trim();
    if (comparison === 'strong' && (tag.startsWith('W/') || etag.startsWith('W/'))) continue;
    if (opaque(tag) === opaque(etag)) return true;
  }
  return false;
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : seconds(ms);
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
