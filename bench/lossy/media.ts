import { createCipheriv } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The synthetic title the lossy-link scenarios fetch; paths are relative to the media root. */
export interface LossyTitle {
  dir: string;
  /** What a player fetches in its first second: playlists, init segments, first two segments of each track. */
  startup: string[];
  /** Video segments (segmentSeconds at 3 Mbit/s). */
  videoSegments: string[];
  manifest: string;
  /** A small object for the requests-per-second run. */
  small: string;
  sizes: Map<string, number>;
}

const VIDEO_BITS_PER_SEC = 3_000_000;
const AUDIO_BITS_PER_SEC = 128_000;
const SEGMENTS = 8;

/** Deterministic incompressible bytes (AES-CTR keystream of a fixed key), so every run serves the same files. */
function fixedBytes(name: string, length: number): Buffer {
  const key = Buffer.alloc(16, 7);
  const iv = Buffer.alloc(16);
  iv.write(name.slice(0, 16));
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(length));
}

function playlist(prefix: string, ext: string, init: string | null, seconds: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${seconds}`, '#EXT-X-PLAYLIST-TYPE:VOD'];
  if (init) lines.push(`#EXT-X-MAP:URI="${init}"`);
  for (let i = 1; i <= SEGMENTS; i++) lines.push(`#EXTINF:${seconds}.000,`, `${prefix}/seg-${i}.${ext}`);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/**
 * Writes an HLS title (video, audio, subtitles) of realistic sizes under `root/lossy-title`;
 * short segments (as low-latency streams use) keep quick runs short.
 */
export function makeLossyTitle(root: string, segmentSeconds: number): LossyTitle {
  const base = 'lossy-title';
  const files = new Map<string, Buffer>();
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="audio.m3u8"',
    '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="sub",NAME="English",LANGUAGE="en",DEFAULT=YES,URI="subs.m3u8"',
    `#EXT-X-STREAM-INF:BANDWIDTH=${VIDEO_BITS_PER_SEC + AUDIO_BITS_PER_SEC},RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud",SUBTITLES="sub"`,
    'video.m3u8',
    '',
  ].join('\n');
  files.set('master.m3u8', Buffer.from(master));
  files.set('video.m3u8', Buffer.from(playlist('v', 'm4s', 'v/init.mp4', segmentSeconds)));
  files.set('audio.m3u8', Buffer.from(playlist('a', 'm4s', 'a/init.mp4', segmentSeconds)));
  files.set('subs.m3u8', Buffer.from(playlist('s', 'vtt', null, segmentSeconds)));
  files.set('v/init.mp4', fixedBytes('v/init', 1100));
  files.set('a/init.mp4', fixedBytes('a/init', 700));
  for (let i = 1; i <= SEGMENTS; i++) {
    files.set(`v/seg-${i}.m4s`, fixedBytes(`v/seg-${i}`, (VIDEO_BITS_PER_SEC * segmentSeconds) / 8));
    files.set(`a/seg-${i}.m4s`, fixedBytes(`a/seg-${i}`, (AUDIO_BITS_PER_SEC * segmentSeconds) / 8));
    files.set(`s/seg-${i}.vtt`, Buffer.from(`WEBVTT\n\n${'00:00:01.000 --> 00:00:03.000\nA line of dialogue.\n\n'.repeat(20)}`));
  }
  for (const [rel, data] of files) {
    const path = join(root, base, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, data);
  }
  const p = (rel: string): string => `${base}/${rel}`;
  return {
    dir: root,
    startup: ['master.m3u8', 'video.m3u8', 'audio.m3u8', 'subs.m3u8', 'v/init.mp4', 'a/init.mp4', 'v/seg-1.m4s', 'v/seg-2.m4s', 'a/seg-1.m4s', 'a/seg-2.m4s', 's/seg-1.vtt', 's/seg-2.vtt'].map(p),
    videoSegments: Array.from({ length: SEGMENTS }, (_, i) => p(`v/seg-${i + 1}.m4s`)),
    manifest: p('video.m3u8'),
    small: p('a/init.mp4'),
    sizes: new Map([...files].map(([rel, data]) => [p(rel), data.length])),
  };
}
