import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InputNotFound, InputNotVideo, InvalidPackageOption } from './errors.js';
import { language, tagForIso6392, type Language } from './languages.js';

const run = promisify(execFile);

/** A synthetic lavfi source: its video filter and geometry; audio is one tone per language. */
export interface SyntheticSpec {
  /** lavfi video source name, e.g. `testsrc2` or `smptehdbars`. */
  filter: string;
  width: number;
  height: number;
  fps: number;
  durationSec: number;
}

/** One audio rendition to encode: where ffmpeg reads it and which language it is labelled. */
export interface SourceAudio {
  language: Language;
  /** ffmpeg `-map` selector, e.g. `1:a:0`. */
  map: string;
}

/** An input the encoder can read: ffmpeg input arguments plus what we know about its streams. */
export interface MediaSource {
  inputArgs: string[];
  videoMap: string;
  audio: SourceAudio[];
  width: number;
  height: number;
  fps: number;
  durationSec: number;
  synthetic: boolean;
}

const SYNTHETIC_PREFIX = 'lavfi:';

/** Whether an input names a synthetic lavfi source (`lavfi:testsrc2`) rather than a file. */
export function isSynthetic(input: string): boolean {
  return input.startsWith(SYNTHETIC_PREFIX);
}

/**
 * Builds a synthetic source: the lavfi video filter plus one sine tone per language, each a
 * different pitch so a listener hears which track plays. Deterministic: same spec, same frames.
 */
export function syntheticSource(spec: SyntheticSpec, languages: readonly Language[]): MediaSource {
  if (!/^[a-z0-9_]+$/.test(spec.filter)) throw new InvalidPackageOption(`bad lavfi source "${spec.filter}"`);
  const d = spec.durationSec;
  const inputArgs = ['-f', 'lavfi', '-i', `${spec.filter}=size=${spec.width}x${spec.height}:rate=${spec.fps}:duration=${d}`];
  const audio = languages.map((lang, i) => {
    inputArgs.push('-f', 'lavfi', '-i', `sine=frequency=${330 + 110 * i}:beep_factor=${i + 2}:sample_rate=48000:duration=${d}`);
    return { language: lang, map: `${i + 1}:a:0` };
  });
  return { inputArgs, videoMap: '0:v:0', audio, width: spec.width, height: spec.height, fps: spec.fps, durationSec: d, synthetic: true };
}

interface ProbeStream {
  index: number;
  codec_type?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { language?: string };
}

/**
 * Probes a media file with ffprobe and plans its audio: streams whose language tag matches a
 * requested language are used; otherwise the first audio stream is reused and labelled; a file
 * without audio gets silence per language so every variant carries the same groups.
 * Throws InputNotFound or InputNotVideo.
 */
export async function fileSource(path: string, languages: readonly Language[]): Promise<MediaSource> {
  try {
    await access(path);
  } catch {
    throw new InputNotFound(path);
  }
  let probe: { streams?: ProbeStream[]; format?: { duration?: string } };
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], {
      maxBuffer: 16 * 1024 * 1024,
    });
    probe = JSON.parse(stdout) as typeof probe;
  } catch {
    throw new InputNotVideo(path, 'ffprobe cannot read it');
  }
  const streams = probe.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  // The video stream's own duration when the container records it (mp4 does, mkv does not):
  // the format duration also spans audio that may run past the last frame.
  const durationSec = Number(video?.duration) > 0 ? Number(video?.duration) : Number(probe.format?.duration);
  if (!video || !video.width || !video.height) throw new InputNotVideo(path, 'no video stream');
  if (!(durationSec > 0)) throw new InputNotVideo(path, 'unknown duration');
  const fps = parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate) ?? 25;
  const audioStreams = streams.filter((s) => s.codec_type === 'audio');
  const inputArgs = ['-i', path];
  const audio = languages.map((lang, i): SourceAudio => {
    const tagged = audioStreams.find((s) => tagForIso6392(s.tags?.language ?? '') === lang.tag);
    const chosen = tagged ?? audioStreams[0];
    if (chosen) return { language: lang, map: `0:${chosen.index}` };
    inputArgs.push('-f', 'lavfi', '-i', `anullsrc=r=48000:cl=stereo:d=${durationSec}`);
    return { language: lang, map: `${i + 1}:a:0` };
  });
  return { inputArgs, videoMap: `0:${video.index}`, audio, width: video.width, height: video.height, fps, durationSec, synthetic: false };
}

function parseRate(rate: string | undefined): number | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(rate ?? '');
  if (!m || Number(m[2]) === 0 || Number(m[1]) === 0) return undefined;
  const fps = Number(m[1]) / Number(m[2]);
  return fps > 0 && fps <= 120 ? fps : undefined;
}

/** Resolves language tags, rejecting duplicates and empty lists. */
export function resolveLanguages(tags: readonly string[]): Language[] {
  if (tags.length === 0) throw new InvalidPackageOption('at least one language is needed');
  if (new Set(tags).size !== tags.length) throw new InvalidPackageOption(`duplicate language in ${tags.join(',')}`);
  return tags.map(language);
}
