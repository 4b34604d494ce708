import { loadAddon } from './load-addon.js';

/** A file mapped read-only: `buffer` is backed by the mapping (no copy) and unmapped when collected. */
export interface MappedFile {
  buffer: Buffer;
  size: number;
  ino: number;
  dev: number;
  mtimeMs: number;
}

/** The mmap addon's surface (src/native/mmap/mmap.cc). */
export interface MmapAddon {
  /** Maps exactly the size fstat reports; throws an Error with `code` (ENOENT, EISDIR, …). */
  mapFile(path: string): MappedFile;
  advise(buffer: Buffer, advice: 'willneed' | 'sequential' | 'random' | 'dontneed'): void;
  /** Bytes currently mapped by this process (drops when Buffers are garbage-collected). */
  mappedBytes(): number;
}

/** The addon, or why it could not be loaded (the cache then falls back to reads). */
export function loadMmap(): { addon: MmapAddon } | { error: Error } {
  return loadAddon<MmapAddon>('mmap', 'h3edge_mmap');
}
