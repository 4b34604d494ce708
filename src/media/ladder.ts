import { InvalidLadder } from './errors.js';

/** One rung of the video ladder as the operator asks for it. */
export interface LadderRung {
  height: number;
  /** The rung's ceiling (VBV maxrate): easy content is encoded below it. */
  bitrateKbps: number;
}

/** A rung fitted to a source: even width keeping the source's aspect ratio. */
export interface VideoRendition extends LadderRung {
  /** Directory/representation id, e.g. `720p`. */
  id: string;
  width: number;
}

/** The default ladder: four H.264 rungs up to 720p (bitrates sized for veryfast x264). */
export const DEFAULT_LADDER: readonly LadderRung[] = [
  { height: 240, bitrateKbps: 400 },
  { height: 360, bitrateKbps: 800 },
  { height: 540, bitrateKbps: 1800 },
  { height: 720, bitrateKbps: 3000 },
];

/**
 * Parses `--ladder 240:400,360:800` (height:kbps pairs; kbps is the rung's ceiling). Throws
 * InvalidLadder for anything that is not a list of distinct even heights 64..2160 with positive
 * bitrates rising with height; returns rungs sorted from lowest to highest.
 */
export function parseLadder(spec: string): LadderRung[] {
  const rungs = spec.split(',').map((part) => {
    const m = /^\s*(\d+)p?:(\d+)k?\s*$/.exec(part);
    if (!m) throw new InvalidLadder(`"${part}" is not height:kbps`);
    return { height: Number(m[1]), bitrateKbps: Number(m[2]) };
  });
  return validateLadder(rungs);
}

/** Checks a ladder (see parseLadder) and returns a sorted copy. */
export function validateLadder(rungs: readonly LadderRung[]): LadderRung[] {
  if (rungs.length === 0) throw new InvalidLadder('no renditions');
  const sorted = [...rungs].sort((a, b) => a.height - b.height);
  for (const [i, r] of sorted.entries()) {
    // H.264 4:2:0 needs even dimensions; 64..2160 covers what this server is meant to deliver.
    if (!Number.isInteger(r.height) || r.height < 64 || r.height > 2160 || r.height % 2 !== 0) {
      throw new InvalidLadder(`height ${r.height} must be an even number from 64 to 2160`);
    }
    if (!Number.isInteger(r.bitrateKbps) || r.bitrateKbps <= 0) throw new InvalidLadder(`bitrate ${r.bitrateKbps} kbps`);
    const below = sorted[i - 1];
    if (below?.height === r.height) throw new InvalidLadder(`height ${r.height} appears twice`);
    // A ceiling that does not rise with height would let a bigger picture get fewer bits.
    if (below && below.bitrateKbps >= r.bitrateKbps) {
      throw new InvalidLadder(`${r.height}p at ${r.bitrateKbps} kbps must be above ${below.height}p's ${below.bitrateKbps} kbps`);
    }
  }
  return sorted;
}

/**
 * Fits a validated ladder to a source of `sourceWidth`×`sourceHeight`. Refuses to upscale: a rung
 * above the source height would cost bits and show nothing new, so it is an InvalidLadder.
 */
export function fitLadder(rungs: readonly LadderRung[], sourceWidth: number, sourceHeight: number): VideoRendition[] {
  return validateLadder(rungs).map((r) => {
    if (r.height > sourceHeight) throw new InvalidLadder(`${r.height}p is above the source height ${sourceHeight}`);
    const width = 2 * Math.round((r.height * sourceWidth) / sourceHeight / 2);
    return { ...r, id: `${r.height}p`, width };
  });
}
