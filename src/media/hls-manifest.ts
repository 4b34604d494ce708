import { posix } from 'node:path';
import { segmentDurationSec, type ByteRange, type PackagedTitle, type Rendition, type SubtitleTrack } from './packaged-title.js';

/** HLS playlist paths relative to the title root mapped to their text. */
export type PlaylistFiles = Map<string, string>;

/** Name of the multivariant playlist at the title root. */
export const MASTER_PLAYLIST = 'master.m3u8';

const AUDIO_GROUP = 'audio';
const SUBTITLE_GROUP = 'subs';

/**
 * Writes the multivariant playlist and every media playlist of a packaged title (RFC 8216bis,
 * version 7: fMP4 with EXT-X-MAP). All URIs are relative to the playlist that holds them, so the
 * title plays wherever the directory is served from.
 */
export function buildHlsPlaylists(title: PackagedTitle): PlaylistFiles {
  const files: PlaylistFiles = new Map([[MASTER_PLAYLIST, buildMaster(title)]]);
  for (const r of [...title.video, ...title.audio]) files.set(r.playlistUri, buildMediaPlaylist(r));
  for (const s of title.subtitles) files.set(s.playlistUri, buildSubtitlePlaylist(s));
  return files;
}

function buildMaster(title: PackagedTitle): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  title.audio.forEach((a, i) => {
    const lang = a.language;
    const attrs = [`TYPE=AUDIO`, `GROUP-ID="${AUDIO_GROUP}"`, `NAME="${lang?.name ?? a.id}"`, `LANGUAGE="${lang?.tag ?? 'und'}"`];
    attrs.push(`DEFAULT=${i === 0 ? 'YES' : 'NO'}`, 'AUTOSELECT=YES', `CHANNELS="${a.channels ?? 2}"`, `URI="${a.playlistUri}"`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
  for (const s of title.subtitles) {
    const attrs = ['TYPE=SUBTITLES', `GROUP-ID="${SUBTITLE_GROUP}"`, `NAME="${s.language.name}"`, `LANGUAGE="${s.language.tag}"`];
    attrs.push('DEFAULT=NO', 'AUTOSELECT=YES', 'FORCED=NO', `URI="${s.playlistUri}"`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  }
  // RFC 8216bis §4.4.6.2: BANDWIDTH covers every rendition that plays with the variant, so the
  // most demanding audio rendition is added to the video's peak.
  const audioPeak = Math.max(0, ...title.audio.map((a) => a.peakBitsPerSec));
  const audioAverage = Math.max(0, ...title.audio.map((a) => a.averageBitsPerSec));
  const audioCodecs = [...new Set(title.audio.map((a) => a.codecs))];
  for (const v of title.video) {
    const attrs = [`BANDWIDTH=${v.peakBitsPerSec + audioPeak}`, `AVERAGE-BANDWIDTH=${v.averageBitsPerSec + audioAverage}`];
    attrs.push(`CODECS="${[v.codecs, ...audioCodecs].join(',')}"`, `RESOLUTION=${v.width}x${v.height}`);
    if (v.frameRate) attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    if (title.audio.length > 0) attrs.push(`AUDIO="${AUDIO_GROUP}"`);
    if (title.subtitles.length > 0) attrs.push(`SUBTITLES="${SUBTITLE_GROUP}"`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.playlistUri);
  }
  return `${lines.join('\n')}\n`;
}

function buildMediaPlaylist(r: Rendition): string {
  const durations = r.segments.map((s) => segmentDurationSec(r, s));
  // RFC 8216bis §4.4.3.1: every EXTINF rounded to the nearest integer must not exceed it.
  const target = Math.max(1, ...durations.map((d) => Math.round(d)));
  const rel = (uri: string): string => posix.relative(posix.dirname(r.playlistUri), uri);
  const map = `#EXT-X-MAP:URI="${rel(r.init.uri)}"${r.init.byteRange ? `,BYTERANGE="${range(r.init.byteRange)}"` : ''}`;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0'];
  lines.push('#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-INDEPENDENT-SEGMENTS', map);
  r.segments.forEach((s, i) => {
    lines.push(`#EXTINF:${(durations[i] as number).toFixed(5)},`);
    if (s.byteRange) lines.push(`#EXT-X-BYTERANGE:${range(s.byteRange)}`);
    lines.push(rel(s.uri));
  });
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

// RFC 8216bis §3.1.4: WebVTT segments, one per video segment, each with its X-TIMESTAMP-MAP.
function buildSubtitlePlaylist(s: SubtitleTrack): string {
  const rel = (uri: string): string => posix.relative(posix.dirname(s.playlistUri), uri);
  const target = Math.max(1, ...s.webVttSegments.map((seg) => Math.round(seg.durationSec)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  for (const seg of s.webVttSegments) lines.push(`#EXTINF:${seg.durationSec.toFixed(5)},`, rel(seg.uri));
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

function range(r: ByteRange): string {
  return `${r.length}@${r.offset}`;
}
