import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What a player asks for first: playlists, MPDs and init segments. */
const FIRST_REQUESTED = /(\.m3u8|\.mpd|(^|\/)init\.mp4)$/;

/**
 * Paths under `root` worth having in memory before the first viewer: every title's manifests and
 * init segments (directories at most `maxDepth` deep, dot-directories skipped).
 */
export async function filesToWarm(root: string, maxDepth = 4): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
      else if (e.isFile() && FIRST_REQUESTED.test(p)) out.push(p);
    }
  };
  await walk(root, 0);
  return out;
}

/**
 * One title's files worth warming with their sizes (none for a missing directory). One file
 * system call at a time: a background warm-up must not queue requests' calls behind its own in
 * libuv's thread pool.
 */
export async function titleFilesToWarm(titleDir: string): Promise<Array<{ path: string; bytes: number }>> {
  const sized: Array<{ path: string; bytes: number }> = [];
  for (const path of await filesToWarm(titleDir, 3)) sized.push({ path, bytes: (await stat(path).catch(() => null))?.size ?? 0 });
  return sized;
}
