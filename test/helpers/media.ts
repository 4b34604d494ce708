import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { scratchDir } from './scratch.js';

/** A temp media directory with a small title and files of known bytes. */
export function makeTestMedia(): { dir: string; files: Record<string, Buffer> } {
  const dir = scratchDir('h3edge-media-');
  const files: Record<string, Buffer> = {
    'demo/master.m3u8': Buffer.from('#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nv/index.m3u8\n'),
    'demo/manifest.mpd': Buffer.from('<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011"/>\n'),
    'demo/v/init.mp4': randomBytes(1500),
    'demo/v/seg-1.m4s': randomBytes(700_000),
    'demo/v/seg-9.m4s': randomBytes(3_000_000),
    'demo/subs/en.vtt': Buffer.from('WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n'),
    'demo/subs/en.ttml': Buffer.from('<tt xmlns="http://www.w3.org/ns/ttml"/>'),
    'catalog.json': Buffer.from('{"titles":[]}'),
    'art/poster.avif': randomBytes(2000),
    'art/poster.webp': randomBytes(2000),
  };
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  }
  return { dir, files };
}
