import type { Cue } from './subtitles.js';

/** A span of the title, in milliseconds from its start: `[startMs, endMs)`. */
export interface Span {
  startMs: number;
  endMs: number;
}

/** One WebVTT-in-MP4 sample: a stretch of time and the cues shown throughout it (none: a gap). */
export interface VttSample extends Span {
  cues: Cue[];
}

/**
 * Media segments of the title as spans, from the video's segment start times (seconds) and the
 * title's end. Text tracks are cut at these instants so each text segment lines up with a video
 * segment (CMAF, ISO/IEC 23000-19 §7.3.3: switching sets share segment boundaries).
 */
export function segmentSpans(startsSec: readonly number[], endSec: number): Span[] {
  const ms = startsSec.map((s) => Math.round(s * 1000));
  return ms.map((startMs, i) => ({ startMs, endMs: ms[i + 1] ?? Math.round(endSec * 1000) })).filter((s) => s.endMs > s.startMs);
}

/** The cues that show during `span`, their times clipped to it (a cue across a boundary is in both). */
export function cuesIn(cues: readonly Cue[], span: Span): Cue[] {
  const from = span.startMs / 1000;
  const to = span.endMs / 1000;
  return cues.filter((c) => c.startSec < to && c.endSec > from).map((c) => ({ ...c, startSec: Math.max(c.startSec, from), endSec: Math.min(c.endSec, to) }));
}

/**
 * Cuts `span` into WebVTT-in-MP4 samples (ISO/IEC 14496-30 §7.4): a new sample wherever a cue
 * starts or ends, each carrying every cue active throughout it, and empty samples for the gaps,
 * so the samples tile the span exactly. Overlapping cues are allowed.
 */
export function vttSamples(cues: readonly Cue[], span: Span): VttSample[] {
  const inside = cuesIn(cues, span);
  const edges = new Set([span.startMs, span.endMs]);
  for (const c of inside) edges.add(Math.round(c.startSec * 1000)).add(Math.round(c.endSec * 1000));
  const sorted = [...edges].filter((ms) => ms >= span.startMs && ms <= span.endMs).sort((a, b) => a - b);
  const samples: VttSample[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const startMs = sorted[i] as number;
    const endMs = sorted[i + 1] as number;
    const active = inside.filter((c) => Math.round(c.startSec * 1000) <= startMs && Math.round(c.endSec * 1000) >= endMs);
    samples.push({ startMs, endMs, cues: active });
  }
  return samples;
}
