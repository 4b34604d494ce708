import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DASH_MANIFEST } from './dash-manifest.js';
import { MASTER_PLAYLIST } from './hls-manifest.js';
import type { PackagedTitle } from './packaged-title.js';

/** File written last into a packaged title; its presence means the title is complete. */
export const PACKAGE_SUMMARY = 'package.json';

/**
 * Version of a title's directory layout, recorded in `package.json`. Bumped when a title packaged
 * earlier would no longer be what the packager makes (2: text as CMAF tracks and segmented
 * WebVTT, capped-quality ladder), so the demo library knows to package it again.
 */
export const PACKAGE_LAYOUT = 2;

/** What `package.json` in a title directory records about the packaging run. */
export interface PackageSummary {
  /** PACKAGE_LAYOUT of the packager that wrote it; absent before layout 2. */
  layout?: number;
  input: string;
  durationSec: number;
  segmentSeconds: number;
  singleFile: boolean;
  hls: string;
  dash: string;
  video: { id: string; codecs: string; width?: number; height?: number; bandwidth: number; segments: number }[];
  audio: { language?: string; codecs: string; bandwidth: number }[];
  /** Per language: whole-title sidecars, the HLS subtitles playlist, the CMAF text tracks' init. */
  subtitles: { language: string; vtt: string; ttml: string; hls: string; imsc1: string; webvtt: string }[];
  /** Video rungs encoded and left out, one line each saying why. */
  droppedRenditions: { id: string; bandwidth: number; reason: string }[];
}

/** Summarizes a packaged title for `package.json`; `input` is recorded as given (no paths added). */
export function summarize(title: PackagedTitle, input: string): PackageSummary {
  return {
    layout: PACKAGE_LAYOUT,
    input,
    durationSec: Number(title.durationSec.toFixed(3)),
    segmentSeconds: title.segmentSeconds,
    singleFile: title.singleFile,
    hls: MASTER_PLAYLIST,
    dash: DASH_MANIFEST,
    video: title.video.map((v) => ({ id: v.id, codecs: v.codecs, width: v.width, height: v.height, bandwidth: v.peakBitsPerSec, segments: v.segments.length })),
    audio: title.audio.map((a) => ({ language: a.language?.tag, codecs: a.codecs, bandwidth: a.peakBitsPerSec })),
    subtitles: title.subtitles.map((s) => ({
      language: s.language.tag,
      vtt: s.vttUri,
      ttml: s.ttmlUri,
      hls: s.playlistUri,
      imsc1: s.imsc1.init.uri,
      webvtt: s.webVtt.init.uri,
    })),
    droppedRenditions: title.droppedRenditions.map((d) => ({ id: d.id, bandwidth: d.peakBitsPerSec, reason: d.reason })),
  };
}

/** Reads a title directory's summary; undefined when the title is absent or incomplete. */
export async function readPackageSummary(titleDir: string): Promise<PackageSummary | undefined> {
  try {
    return JSON.parse(await readFile(join(titleDir, PACKAGE_SUMMARY), 'utf8')) as PackageSummary;
  } catch {
    return undefined;
  }
}
