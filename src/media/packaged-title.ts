import type { TrackKind } from './fmp4-track.js';
import type { Language } from './languages.js';

/** A byte range inside a file: `length` bytes from `offset`. */
export interface ByteRange {
  offset: number;
  length: number;
}

/** One media segment of a rendition. URIs are relative to the title root. */
export interface SegmentRef {
  uri: string;
  /** Set in single-file mode: where the segment sits inside `uri`. */
  byteRange?: ByteRange;
  decodeTime: number;
  durationTicks: number;
  sizeBytes: number;
}

/** One encoded audio, video or CMAF text rendition after segmentation. */
export interface Rendition {
  id: string;
  kind: TrackKind;
  codecs: string;
  timescale: number;
  width?: number;
  height?: number;
  frameRate?: number;
  channels?: number;
  sampleRate?: number;
  language?: Language;
  /** Peak and average bits per second over the segments. */
  peakBitsPerSec: number;
  averageBitsPerSec: number;
  /** HLS media playlist, relative to the title root (not written for CMAF text). */
  playlistUri: string;
  init: { uri: string; byteRange?: ByteRange };
  segments: SegmentRef[];
  /** Single-file mode only: the `sidx` box range, for DASH SegmentBase@indexRange. */
  indexRange?: ByteRange;
}

/** One WebVTT file of an HLS subtitles playlist. */
export interface WebVttSegment {
  uri: string;
  durationSec: number;
}

/**
 * One subtitle language in every delivery form: CMAF text tracks for DASH (IMSC1 in `stpp`,
 * WebVTT in `wvtt`), WebVTT segments with their HLS media playlist, and whole-title sidecar files
 * (`.vtt`, `.ttml`) for downloads and `<track>` elements. Text segments span the video's.
 */
export interface SubtitleTrack {
  language: Language;
  /** Whole-title WebVTT and IMSC1 files. */
  vttUri: string;
  ttmlUri: string;
  /** HLS subtitles media playlist of `webVttSegments`. */
  playlistUri: string;
  webVttSegments: WebVttSegment[];
  imsc1: Rendition;
  webVtt: Rendition;
}

/** A video rung the packager encoded and then left out of the title (see keepPayingRungs), and why. */
export interface DroppedRendition {
  id: string;
  /** What the rung would have advertised (peak bits per second of its segments). */
  peakBitsPerSec: number;
  /** One line for the operator, e.g. `540p: 1330 kb/s, not below 720p's 844 kb/s`. */
  reason: string;
}

/**
 * Everything the manifest writers need to describe a packaged title. Produced by
 * `packageTitle`, consumed by `hls-manifest.ts` and `dash-manifest.ts`; plain data.
 */
export interface PackagedTitle {
  durationSec: number;
  segmentSeconds: number;
  singleFile: boolean;
  video: Rendition[];
  audio: Rendition[];
  subtitles: SubtitleTrack[];
  /** Encoded video rungs left out because they did not pay for themselves (see keepPayingRungs). */
  droppedRenditions: DroppedRendition[];
}

/** Duration of a segment in seconds. */
export function segmentDurationSec(r: Rendition, s: SegmentRef): number {
  return s.durationTicks / r.timescale;
}
