import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { buildMpd, DASH_MANIFEST } from './dash-manifest.js';
import { InvalidPackageOption, InputNotFound } from './errors.js';
import { buildEncodeArgs } from './ffmpeg-args.js';
import { encryptTrack } from './cenc/encrypt-track.js';
import type { CencScheme } from './cenc/scheme.js';
import { runFfmpeg, type EncodeProgress } from './ffmpeg-runner.js';
import { mergeShortTail, readFmp4Track } from './fmp4-track.js';
import { buildHlsPlaylists } from './hls-manifest.js';
import { DEFAULT_LADDER, fitLadder, type LadderRung, type VideoRendition } from './ladder.js';
import type { Language } from './languages.js';
import type { PackagedTitle, Rendition } from './packaged-title.js';
import { PACKAGE_SUMMARY, summarize } from './package-summary.js';
import { keepPayingRungs } from './rung-pruning.js';
import { writeRendition } from './segment-writer.js';
import { fileSource, isSynthetic, resolveLanguages, syntheticSource, type MediaSource, type SyntheticSpec } from './source.js';
import { parseWebVtt, type Cue } from './subtitles.js';
import { syntheticCues } from './synthetic-cues.js';
import { segmentSpans } from './text-samples.js';
import { writeTextTracks } from './text-writer.js';

/** What `packageTitle` needs. Only `input` and `outDir` are required. */
export interface PackageOptions {
  /** A media file path, or `lavfi:<source>` (e.g. `lavfi:testsrc2`) for a synthetic title. */
  input: string;
  /** Title directory to create, e.g. `media/big-buck`; must not exist unless `overwrite`. */
  outDir: string;
  segmentSeconds?: number;
  singleFile?: boolean;
  /** BCP 47 tags, one audio rendition (and subtitle track, when available) each. Default en, fr. */
  languages?: string[];
  ladder?: LadderRung[];
  /** WebVTT files by language tag; synthetic inputs get generated cues when absent. */
  subtitles?: Record<string, string>;
  /** Geometry and length of a synthetic input; ignored for files. */
  synthetic?: Omit<SyntheticSpec, 'filter'>;
  /** Text in generated cues (e.g. the title name). */
  cueLabel?: string;
  overwrite?: boolean;
  /** Encrypt every track with this content key ('cenc' AES-CTR by default, or 'cbcs'); the caller keeps the key. */
  encryption?: { kid: string; key: string; scheme?: CencScheme };
  onProgress?: (p: EncodeProgress) => void;
  signal?: AbortSignal;
}

/** Defaults for a synthetic input: 12 s of 1280×720 at 25 fps. */
export const DEFAULT_SYNTHETIC = { width: 1280, height: 720, fps: 25, durationSec: 12 } as const;

/**
 * Packages one title: encodes the ladder and audio languages in one ffmpeg run, cuts CMAF
 * segments (or single files with sidx), drops rungs that do not pay for themselves, writes
 * subtitles as CMAF text tracks (IMSC1, WebVTT) and HLS WebVTT segments aligned with the video
 * segments, `master.m3u8`, `manifest.mpd` and a `package.json` summary. Everything is built in a sibling staging
 * directory that is renamed onto `outDir` at the end, so a failure leaves nothing behind.
 * Throws PackagingError subclasses for bad input; the staging directory is always removed.
 */
export async function packageTitle(opts: PackageOptions): Promise<PackagedTitle> {
  const plan = await planTitle(opts);
  const staging = join(dirname(plan.outDir), `.${basename(plan.outDir)}.staging-${randomBytes(4).toString('hex')}`);
  try {
    const title = await buildTitle(staging, plan, opts);
    for (const [path, text] of buildHlsPlaylists(title)) await writeFile(join(staging, path), text);
    await writeFile(join(staging, DASH_MANIFEST), buildMpd(title));
    const input = isSynthetic(opts.input) ? opts.input : basename(opts.input);
    await writeFile(join(staging, PACKAGE_SUMMARY), `${JSON.stringify(summarize(title, input), null, 2)}\n`);
    await replaceDir(staging, plan.outDir);
    return title;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Everything decided before the first byte is written; all input errors surface here. */
interface TitlePlan {
  outDir: string;
  segmentSeconds: number;
  languages: Language[];
  source: MediaSource;
  renditions: VideoRendition[];
  cues: Map<Language, Cue[]>;
}

async function planTitle(opts: PackageOptions): Promise<TitlePlan> {
  const segmentSeconds = opts.segmentSeconds ?? 4;
  if (!Number.isInteger(segmentSeconds) || segmentSeconds < 1 || segmentSeconds > 30) {
    throw new InvalidPackageOption(`--segment-seconds must be an integer from 1 to 30, got ${opts.segmentSeconds}`);
  }
  const outDir = resolve(opts.outDir);
  if (!opts.overwrite && (await exists(outDir))) throw new InvalidPackageOption(`${opts.outDir} already exists (use --force)`);
  const languages = resolveLanguages(opts.languages ?? ['en', 'fr']);
  const source = isSynthetic(opts.input)
    ? syntheticSource({ filter: opts.input.slice('lavfi:'.length), ...DEFAULT_SYNTHETIC, ...opts.synthetic }, languages)
    : await fileSource(opts.input, languages);
  const renditions = fitLadder(opts.ladder ?? DEFAULT_LADDER, source.width, source.height);
  return { outDir, segmentSeconds, languages, source, renditions, cues: await loadCues(opts, source, languages) };
}

// Encodes into `<staging>/.work`, cuts every track into its delivery form and writes subtitles;
// manifests are left to the caller.
async function buildTitle(staging: string, plan: TitlePlan, opts: PackageOptions): Promise<PackagedTitle> {
  const work = join(staging, '.work');
  await mkdir(work, { recursive: true });
  const { args, outputs } = buildEncodeArgs(plan.source, plan.renditions, plan.segmentSeconds, work);
  await runFfmpeg(args, plan.source.durationSec, opts.onProgress, opts.signal);
  const title: PackagedTitle = {
    durationSec: plan.source.durationSec,
    segmentSeconds: plan.segmentSeconds,
    singleFile: opts.singleFile ?? false,
    video: [],
    audio: [],
    subtitles: [],
    droppedRenditions: [],
  };
  for (const out of outputs) {
    const clear = await readFile(out.file);
    const buf = opts.encryption ? encryptTrack(clear, opts.encryption.kid, opts.encryption.key, opts.encryption.scheme) : clear;
    const target = { kind: out.kind, id: out.id, group: out.kind };
    const parsed = readFmp4Track(buf);
    const track = mergeShortTail(parsed, (parsed.timescale * plan.segmentSeconds) / 2);
    const r = await writeRendition(buf, track, staging, target, title.singleFile);
    if (out.kind === 'video') title.video.push({ ...r, frameRate: plan.source.fps });
    else title.audio.push({ ...r, language: plan.languages.find((l) => l.tag === out.id) });
  }
  await dropUnpaidRungs(staging, title);
  // The encoded video, not the probed container, says how long the title really is.
  title.durationSec = Math.max(...title.video.map((v) => v.segments.reduce((n, s) => n + s.durationTicks, 0) / v.timescale));
  // Text segments start where the video's do (every rung is cut at the same instants).
  const top = title.video[title.video.length - 1] as Rendition;
  const spans = segmentSpans(top.segments.map((s) => s.decodeTime / top.timescale), title.durationSec);
  for (const [lang, list] of plan.cues) title.subtitles.push(await writeTextTracks(staging, lang, list, spans, title.singleFile));
  await rm(work, { recursive: true, force: true });
  return title;
}

// Rungs that cost no less than a bigger picture (or barely less) leave the title, files and all,
// so the ladder that remains rises in bitrate with resolution.
async function dropUnpaidRungs(staging: string, title: PackagedTitle): Promise<void> {
  const { kept, dropped } = keepPayingRungs(title.video, Math.max(0, ...title.audio.map((a) => a.peakBitsPerSec)));
  for (const d of dropped) {
    const r = title.video.find((v) => v.id === d.id) as Rendition;
    await rm(join(staging, title.singleFile ? r.init.uri : dirname(r.init.uri)), { recursive: true, force: true });
  }
  title.video = kept;
  title.droppedRenditions = dropped;
}

async function loadCues(opts: PackageOptions, source: MediaSource, languages: Language[]): Promise<Map<Language, Cue[]>> {
  const cues = new Map<Language, Cue[]>();
  for (const [tag, path] of Object.entries(opts.subtitles ?? {})) {
    const lang = languages.find((l) => l.tag === tag);
    if (!lang) throw new InvalidPackageOption(`subtitles for "${tag}", which is not in --languages`);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new InputNotFound(path);
    });
    cues.set(lang, parseWebVtt(text));
  }
  if (source.synthetic && cues.size === 0) {
    for (const lang of languages) cues.set(lang, syntheticCues(lang.tag, source.durationSec, opts.cueLabel ?? 'h3edge'));
  }
  return cues;
}

// rename(2) is atomic for the final step; an old copy (overwrite) is moved aside first and
// removed after, so readers see either the old title or the new one.
async function replaceDir(staging: string, outDir: string): Promise<void> {
  const old = `${staging}.old`;
  const hadOld = await exists(outDir);
  if (hadOld) await rename(outDir, old);
  await rename(staging, outDir);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
