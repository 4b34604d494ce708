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
  /**
   * True when `buffer` lies in a mapping whose file lost pages under it (truncated or rewritten
   * after mapping): the SIGBUS handler replaced them with zeros instead of letting the read crash.
   */
  isPoisoned(buffer: Buffer): boolean;
  /** Mappings poisoned since the process started. */
  poisonCount(): number;
  /** Opaque handle for the QUIC addon (src/native/common/map_guard.h), so it can check bodies it sends. */
  guard: unknown;
}

/** The addon, or why it could not be loaded (the cache then falls back to reads). */
export function loadMmap(): { addon: MmapAddon } | { error: Error } {
  return loadAddon<MmapAddon>('mmap', 'h3edge_mmap');
}
