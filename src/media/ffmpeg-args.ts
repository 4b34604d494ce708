import { join } from 'node:path';
import type { VideoRendition } from './ladder.js';
import type { MediaSource } from './source.js';

/** Where one encoded track lands in the work directory. */
export interface EncodedOutput {
  kind: 'video' | 'audio';
  /** Rendition id (`720p`) or language tag (`en`). */
  id: string;
  file: string;
}

/** Audio bitrate for every language rendition: stereo AAC-LC. */
export const AUDIO_BITRATE_KBPS = 128;

/**
 * x264 constant-quality target shared by every rung. With one quality for the whole ladder a
 * rung with more pixels needs more bits, so bitrates rise with resolution; each rung's own
 * bitrate is the VBV ceiling. (A bitrate target instead let x264 undershoot easy content at the
 * source resolution: a 720p rung came out below the 540p one.)
 */
export const VIDEO_CRF = 23;

// CMAF track files: moov first, fragments with moof-relative offsets (so fragments can be cut
// out into segment files), and signed CTS offsets (trun v1) instead of an edit list, which MSE
// players apply inconsistently.
const CMAF_MOVFLAGS = '+frag_keyframe+empty_moov+default_base_moof+cmaf+negative_cts_offsets';

/**
 * Builds one ffmpeg invocation that decodes the source once, splits it to every rung and writes
 * one single-track fragmented MP4 per video rendition and per audio language into `workDir`.
 * GOPs are closed and fixed at fps×segmentSeconds frames with scene-cut keyframes disabled, so
 * every rendition has keyframes at the same instants and each fragment is one aligned segment.
 * Rate control is capped quality: CRF `VIDEO_CRF`, at most the rung's bitrate (VBV maxrate) over a
 * two-second buffer.
 */
export function buildEncodeArgs(
  source: MediaSource,
  renditions: readonly VideoRendition[],
  segmentSeconds: number,
  workDir: string,
): { args: string[]; outputs: EncodedOutput[] } {
  const gop = Math.max(1, Math.round(source.fps * segmentSeconds));
  const labels = renditions.map((_, i) => `s${i}`);
  const scales = renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[v${i}]`);
  const graph = `[${source.videoMap}]format=yuv420p,split=${renditions.length}${labels.map((l) => `[${l}]`).join('')};${scales.join(';')}`;
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];
  args.push(...source.inputArgs, '-filter_complex', graph);
  const outputs: EncodedOutput[] = [];
  const common = ['-map_metadata', '-1', '-map_chapters', '-1', '-t', String(source.durationSec)];
  renditions.forEach((r, i) => {
    const file = join(workDir, `video-${r.id}.mp4`);
    outputs.push({ kind: 'video', id: r.id, file });
    args.push('-map', `[v${i}]`, ...common);
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p');
    args.push('-crf', String(VIDEO_CRF), '-maxrate', `${r.bitrateKbps}k`, '-bufsize', `${r.bitrateKbps * 2}k`);
    args.push('-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0');
    args.push('-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`, '-x264-params', 'open-gop=0');
    args.push('-movflags', CMAF_MOVFLAGS, '-f', 'mp4', file);
  });
  for (const a of source.audio) {
    const file = join(workDir, `audio-${a.language.tag}.mp4`);
    outputs.push({ kind: 'audio', id: a.language.tag, file });
    args.push('-map', a.map, ...common, '-c:a', 'aac', '-b:a', `${AUDIO_BITRATE_KBPS}k`, '-ac', '2', '-ar', '48000');
    args.push('-metadata:s:a:0', `language=${a.language.iso6392}`);
    args.push('-frag_duration', String(Math.round(segmentSeconds * 1e6)), '-movflags', CMAF_MOVFLAGS, '-f', 'mp4', file);
  }
  return { args, outputs };
}
