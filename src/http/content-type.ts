import { extname } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.cmfv': 'video/mp4',
  '.cmfa': 'audio/mp4',
  '.vtt': 'text/vtt; charset=utf-8',
  '.ttml': 'application/ttml+xml',
  '.json': 'application/json; charset=utf-8',
  '.avif': 'image/avif',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Media type for a file name; unknown extensions are served as opaque bytes. */
export function contentTypeFor(fileName: string): string {
  return TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** True for playlists and MPDs: they change when a title is re-packaged, so they cache briefly. */
export function isManifest(fileName: string): boolean {
  const ext = extname(fileName).toLowerCase();
  return ext === '.m3u8' || ext === '.mpd';
}

/**
 * Cache-Control by kind: manifests short, everything content-addressed by its packaging run
 * (segments, init segments, subtitles) immutable, the rest a few minutes.
 */
export function cacheControlFor(fileName: string): string {
  if (isManifest(fileName)) return 'public, max-age=2';
  const ext = extname(fileName).toLowerCase();
  if (['.m4s', '.mp4', '.m4a', '.m4v', '.cmfv', '.cmfa', '.vtt', '.ttml'].includes(ext)) {
    return 'public, max-age=31536000, immutable';
  }
  return 'public, max-age=300';
}
