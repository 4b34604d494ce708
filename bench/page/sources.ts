// The JSON a page is built from: a lossy-link run (lossy-<scenario>.json) and the engine and
// cache runs (h3-engines.json, cache.json), each optional — a page says what it lacks.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Sample } from '../common/samples.js';
import { readScenarioDocs, type LossySample, type ScenarioDoc } from '../lossy/report.js';
import type { EdgePlayerDoc } from '../edge/bench.js';

/** h3-engines.json or cache.json as bench/h3 and bench/cache write them. */
export interface EngineDoc {
  settings: Record<string, unknown>;
  versions: Record<string, string | number>;
  samples: Sample[];
}

export interface PageSources {
  /** The lossy run's scenario files (empty when the directory has none). */
  lossy: ScenarioDoc[];
  h3Engines?: EngineDoc;
  cache?: EngineDoc;
  /** The player-through-an-edge run (edge-player.json beside the lossy run). */
  edgePlayer?: EdgePlayerDoc;
  /** Where each part came from (relative to the checkout when inside it), for the page to say. */
  files: string[];
}

/** Where to read from: the lossy run's directory and the one holding h3-engines.json/cache.json (often the same). */
export interface SourceDirs {
  lossyDir: string;
  enginesDir?: string;
}

function readEngineDoc(file: string): EngineDoc | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as EngineDoc) : undefined;
}

const ROOT = join(import.meta.dirname, '../..');

/** A path as the page names it: from the checkout's root when inside it, so a kept page does not depend on where it was built. */
function shown(file: string): string {
  const r = relative(ROOT, resolve(file));
  return r.startsWith('..') || isAbsolute(r) ? resolve(file) : r;
}

/** Reads whatever of the four lossy files and the two engine files exist. */
export function loadSources(dirs: SourceDirs): PageSources {
  const lossy = readScenarioDocs(dirs.lossyDir);
  const enginesDir = dirs.enginesDir ?? dirs.lossyDir;
  const h3File = join(enginesDir, 'h3-engines.json');
  const cacheFile = join(enginesDir, 'cache.json');
  const h3Engines = readEngineDoc(h3File);
  const cache = readEngineDoc(cacheFile);
  const edgeFile = join(dirs.lossyDir, 'edge-player.json');
  const edgePlayer = existsSync(edgeFile) ? (JSON.parse(readFileSync(edgeFile, 'utf8')) as EdgePlayerDoc) : undefined;
  const files = [
    ...lossy.map((d) => join(dirs.lossyDir, `lossy-${d.scenario}.json`)),
    ...(h3Engines ? [h3File] : []),
    ...(cache ? [cacheFile] : []),
    ...(edgePlayer ? [edgeFile] : []),
  ].map(shown);
  return { lossy, h3Engines, cache, edgePlayer, files };
}

/** Every sample of the lossy run, all scenarios. */
export function lossySamples(sources: PageSources): LossySample[] {
  return sources.lossy.flatMap((d) => d.samples);
}
