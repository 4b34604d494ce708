import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFmp4Track } from './fmp4-track.js';
import type { Language } from './languages.js';
import type { Rendition, SubtitleTrack, WebVttSegment } from './packaged-title.js';
import { writeRendition } from './segment-writer.js';
import { formatImsc1, formatWebVtt, type Cue } from './subtitles.js';
import { buildTextTrack, type TextFormat } from './text-fmp4.js';
import type { Span } from './text-samples.js';

// RFC 8216bis §3.1.4: LOCAL 0 is media time 0 (MPEGTS 0), the instant the fMP4 video starts at,
// so cue times in every segment are plain title times.
const TIMESTAMP_MAP = 'X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000';

/**
 * Writes one language's subtitles under `titleDir/subs/`: `<lang>/stpp` and `<lang>/wvtt` CMAF
 * text tracks cut at `spans` (the video's segments; one file with a `sidx` each when
 * `singleFile`), `<lang>/vtt/seg-N.vtt` WebVTT segments for HLS at the same instants, and
 * `<lang>.vtt` + `<lang>.ttml` for the whole title. A cue crossing a boundary is in both
 * segments: clipped in the CMAF samples, whole in the WebVTT files (players drop the repeat).
 */
export async function writeTextTracks(titleDir: string, language: Language, cues: readonly Cue[], spans: readonly Span[], singleFile: boolean): Promise<SubtitleTrack> {
  const base = `subs/${language.tag}`;
  await mkdir(join(titleDir, base, 'vtt'), { recursive: true });
  const vttUri = `${base}.vtt`;
  const ttmlUri = `${base}.ttml`;
  await writeFile(join(titleDir, vttUri), formatWebVtt(cues));
  await writeFile(join(titleDir, ttmlUri), formatImsc1(cues, language.tag));
  const webVttSegments: WebVttSegment[] = [];
  for (const [i, span] of spans.entries()) {
    const uri = `${base}/vtt/seg-${i + 1}.vtt`;
    const inSpan = cues.filter((c) => c.startSec * 1000 < span.endMs && c.endSec * 1000 > span.startMs);
    // A blank line ends each file: ffmpeg's HLS demuxer reads the segments as one stream, where
    // the next file's WEBVTT header would otherwise run into this file's last cue.
    await writeFile(join(titleDir, uri), `${formatWebVtt(inSpan, [TIMESTAMP_MAP])}\n`);
    webVttSegments.push({ uri, durationSec: (span.endMs - span.startMs) / 1000 });
  }
  const cmaf = async (format: TextFormat): Promise<Rendition> => {
    const buf = buildTextTrack(format, language, cues, spans);
    const r = await writeRendition(buf, readFmp4Track(buf), titleDir, { kind: 'text', id: format, group: base }, singleFile);
    return { ...r, language };
  };
  return { language, vttUri, ttmlUri, playlistUri: `${base}/vtt/index.m3u8`, webVttSegments, imsc1: await cmaf('stpp'), webVtt: await cmaf('wvtt') };
}
