import { basename, extname } from 'node:path';
import type { Priority } from './priority.js';

/** What a request is for, as far as delivery order is concerned. */
export type ResourceClass = 'manifest' | 'init' | 'first-segment' | 'segment' | 'api' | 'artwork' | 'prefetch' | 'other';

/**
 * Server defaults by class (RFC 9218 §8 lets the server choose): a player cannot start before
 * it has the manifests and init segments, then the first media segments; bulk segments after;
 * artwork and speculative prefetch must never delay playback.
 */
export const CLASS_PRIORITY: Readonly<Record<ResourceClass, Priority>> = Object.freeze({
  manifest: { urgency: 0, incremental: false },
  init: { urgency: 1, incremental: false },
  'first-segment': { urgency: 2, incremental: false },
  api: { urgency: 2, incremental: false },
  segment: { urgency: 3, incremental: false },
  other: { urgency: 3, incremental: false },
  artwork: { urgency: 5, incremental: true },
  prefetch: { urgency: 7, incremental: true },
});

/** Segments whose number is at most this count as the first segments of a session. */
const FIRST_SEGMENTS = 2;

/**
 * Classifies a request from its path and fields. `Sec-Purpose: prefetch` (browsers) and
 * `Purpose: prefetch` mark speculative loads.
 */
export function classifyRequest(pathname: string, headers: ReadonlyMap<string, string>): ResourceClass {
  const purpose = headers.get('sec-purpose') ?? headers.get('purpose');
  if (purpose !== undefined && purpose.includes('prefetch')) return 'prefetch';
  if (pathname.startsWith('/artwork/')) return 'artwork';
  if (pathname.startsWith('/v1/')) return 'api';
  const ext = extname(pathname).toLowerCase();
  if (ext === '.m3u8' || ext === '.mpd') return 'manifest';
  const name = basename(pathname).toLowerCase();
  if (name.includes('init')) return 'init';
  if (['.m4s', '.mp4', '.m4a', '.m4v', '.cmfv', '.cmfa', '.ts', '.vtt'].includes(ext)) {
    const n = /(\d+)\.[a-z0-9]+$/.exec(name);
    return n && Number(n[1]) <= FIRST_SEGMENTS ? 'first-segment' : 'segment';
  }
  return 'other';
}
