import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

/** Deterministic bytes: the same workload every run (seeded SHA-256 counter stream). */
function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let off = 0;
  for (let i = 0; off < length; i++) {
    const block = createHash('sha256').update(`${seed}:${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

export interface Workload {
  dir: string;
  /** Paths (under /content/ for h3edge, / for Caddy) of a player-like mix. */
  paths: string[];
  /** The small files of the mix (manifest, init segment): per-request cost, not bandwidth. */
  smallPaths: string[];
  singleFile: { path: string; size: number };
  /** Size of each path's file. */
  sizes: Map<string, number>;
}

/** A title's manifest, init segment, ten 2 MB segments and one 24 MB single-file rendition. */
export function makeWorkload(root: string): Workload {
  const title = join(root, 'bench-title');
  mkdirSync(join(title, 'v'), { recursive: true });
  const files: Record<string, number> = { 'master.m3u8': 1200, 'v/init.mp4': 900, 'v/single.mp4': 24 * 1024 * 1024 };
  for (let i = 1; i <= 10; i++) files[`v/seg-${i}.m4s`] = 2 * 1024 * 1024;
  for (const [rel, size] of Object.entries(files)) writeFileSync(join(title, rel), seededBytes(rel, size));
  const segs = Array.from({ length: 10 }, (_, i) => `bench-title/v/seg-${i + 1}.m4s`);
  return {
    dir: root,
    paths: ['bench-title/master.m3u8', 'bench-title/v/init.mp4', ...segs],
    smallPaths: ['bench-title/master.m3u8', 'bench-title/v/init.mp4'],
    singleFile: { path: 'bench-title/v/single.mp4', size: files['v/single.mp4'] as number },
    sizes: new Map(Object.entries(files).map(([rel, size]) => [`bench-title/${rel}`, size])),
  };
}
