import type { DroppedRendition, Rendition } from './packaged-title.js';

/**
 * How much cheaper than the rung above a rung must be, as a fraction of that rung's bandwidth with
 * the audio that plays with both (what a player compares with its throughput estimate). Below
 * 10 % the two are one choice to an ABR algorithm, whose estimates are noisier than that.
 */
export const MIN_RUNG_SAVING = 0.1;

/**
 * Keeps the rungs that pay for themselves. `video` is the encoded ladder from the lowest rung to
 * the highest; the top rung always stays. Walking down, a rung is dropped when it is not cheaper
 * than the kept rung above it (peak and average), or when it saves less than MIN_RUNG_SAVING of the
 * variant's bandwidth (video + `audioPeakBitsPerSec`): a client that can carry it can carry the
 * bigger picture too. What remains rises in bitrate with resolution. Pure; the caller removes
 * the dropped rungs' files.
 */
export function keepPayingRungs(video: readonly Rendition[], audioPeakBitsPerSec: number): { kept: Rendition[]; dropped: DroppedRendition[] } {
  const top = video[video.length - 1];
  if (!top) return { kept: [], dropped: [] };
  const kept: Rendition[] = [top];
  const dropped: DroppedRendition[] = [];
  let above = top;
  for (let i = video.length - 2; i >= 0; i--) {
    const r = video[i] as Rendition;
    const reason = whyNotPaying(r, above, audioPeakBitsPerSec);
    if (reason) {
      dropped.unshift({ id: r.id, peakBitsPerSec: r.peakBitsPerSec, reason });
      continue;
    }
    kept.unshift(r);
    above = r;
  }
  return { kept, dropped };
}

function whyNotPaying(r: Rendition, above: Rendition, audioPeak: number): string | undefined {
  const kbps = (bps: number): string => `${Math.round(bps / 1000)} kb/s`;
  if (r.peakBitsPerSec >= above.peakBitsPerSec || r.averageBitsPerSec >= above.averageBitsPerSec) {
    return `${r.id}: ${kbps(r.peakBitsPerSec)}, not below ${above.id}'s ${kbps(above.peakBitsPerSec)}`;
  }
  const saving = 1 - (r.peakBitsPerSec + audioPeak) / (above.peakBitsPerSec + audioPeak);
  if (saving < MIN_RUNG_SAVING) {
    return `${r.id}: ${kbps(r.peakBitsPerSec)}, with audio only ${(saving * 100).toFixed(1)} % below ${above.id}'s ${kbps(above.peakBitsPerSec)} (less than ${MIN_RUNG_SAVING * 100} %)`;
  }
  return undefined;
}
