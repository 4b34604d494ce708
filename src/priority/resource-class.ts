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
/** Extensions of media segments (and whole-file media). */
const MEDIA_EXTENSIONS: ReadonlySet<string> = new Set(['.m4s', '.mp4', '.m4a', '.m4v', '.cmfv', '.cmfa', '.ts', '.vtt']);
const SEGMENT_NUMBER = /(\d+)\.[a-z0-9]+$/;

/**
 * Classifies a request from its path and fields. `Sec-Purpose: prefetch` (browsers) and
 * `Purpose: prefetch` mark speculative loads. Called for every request: string scans only.
 */
export function classifyRequest(pathname: string, headers: ReadonlyMap<string, string>): ResourceClass {
  const purpose = headers.get('sec-purpose') ?? headers.get('purpose');
  if (purpose !== undefined && purpose.includes('prefetch')) return 'prefetch';
  if (pathname.startsWith('/artwork/')) return 'artwork';
  if (pathname.startsWith('/v1/')) return 'api';
  const name = lastSegment(pathname).toLowerCase();
  const ext = extensionOf(name);
  if (ext === '.m3u8' || ext === '.mpd') return 'manifest';
  if (name.includes('init')) return 'init';
  if (MEDIA_EXTENSIONS.has(ext)) {
    const n = SEGMENT_NUMBER.exec(name);
    return n && Number(n[1]) <= FIRST_SEGMENTS ? 'first-segment' : 'segment';
  }
  return 'other';
}

/** The path's last segment, trailing slashes aside (as node:path's basename takes it). */
export function lastSegment(pathname: string): string {
  let end = pathname.length;
  while (end > 1 && pathname.charCodeAt(end - 1) === 0x2f) end--;
  return pathname.slice(pathname.lastIndexOf('/', end - 1) + 1, end);
}

/** A file name's extension with its dot, '' for none or a leading dot only (as node:path's extname). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot);
}
