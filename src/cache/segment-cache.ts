import { readFile, stat } from 'node:fs/promises';
import { statSync, type Stats } from 'node:fs';
import { loadMmap, type MmapAddon } from '../native/mmap.js';
import { LruBySize } from './lru.js';
import { asCacheFileError, CacheFileError } from './errors.js';

/**
 * A cached file: `body` is the whole file (a mapping, or bytes read); ranges are `subarray`s of it.
 * Device, inode, size and mtime are the file's identity and version when it was loaded: together
 * they change when the file is replaced, so callers derive validators (ETags) from them. One object
 * per loaded version: a `get` that finds the file unchanged returns the same object.
 */
export interface CachedFile {
  body: Buffer;
  size: number;
  mtimeMs: number;
  /** True when `body` is a memory mapping rather than a copy. */
  mapped: boolean;
  ino: number;
  dev: number;
}

export interface SegmentCacheOptions {
  budgetBytes: number;
  /** Told once when the mmap addon cannot be used and reads take over. */
  onWarning?: (msg: string, fields?: object) => void;
  forceReadFallback?: boolean;
  /**
   * Files held at most (least recently used evicted first). Each is a mapping, and Linux allows
   * 65,530 per process by default (vm.max_map_count); past it even malloc fails and the process
   * aborts. Default 32,768: room is left for evicted mappings that responses (or the garbage
   * collector) still hold, the heap and the addons.
   */
  maxEntries?: number;
}

export interface SegmentCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  collapsed: number;
  /** Bytes of the files the cache holds (mapped or read); never above the budget. */
  cachedBytes: number;
  /** Bytes mapped by the process, including evicted mappings still held by responses. */
  mappedBytes: number;
  entries: number;
  maxEntries: number;
  budgetBytes: number;
  mode: 'mmap' | 'read';
}

interface Entry {
  file: CachedFile;
  ino: number;
  dev: number;
  sizeBytes: number;
}

/**
 * The hot set of an edge node in memory: files mapped once (or read once, without the addon)
 * and served as zero-copy slices, LRU-evicted under a byte budget. Every `get` stats the file,
 * so a file replaced by rename (the fill job) or truncated is noticed and reloaded; responses
 * still holding the old mapping keep the old, complete bytes. Concurrent misses for one file
 * load it once.
 */
export class SegmentCache {
  private readonly lru = new LruBySize<string, Entry>();
  private readonly inflight = new Map<string, Promise<CachedFile>>();
  private readonly mmap: MmapAddon | null;
  private readonly counts = { hits: 0, misses: 0, evictions: 0, collapsed: 0 };

  constructor(private readonly opts: SegmentCacheOptions) {
    const loaded = opts.forceReadFallback ? null : loadMmap();
    this.mmap = loaded && 'addon' in loaded ? loaded.addon : null;
    if (loaded && 'error' in loaded) opts.onWarning?.('mmap addon unavailable, serving files from reads', { error: loaded.error.message });
  }

  /** The current file at `absPath`; throws CacheFileError (code ENOENT, EISDIR, …) otherwise. */
  async get(absPath: string): Promise<CachedFile> {
    // A cached file is revalidated with a synchronous stat: we hold its mapping, so its inode is
    // in the kernel's cache and the call takes ~2 µs, against 15–40 µs for a thread-pool round
    // trip — the largest share of a small response's cost. A file not cached yet may need the
    // disk, so it is stat'ed off the event loop.
    if (this.lru.has(absPath)) return this.current(absPath, statNow(absPath));
    const st = await stat(absPath).catch((err: unknown) => {
      throw asCacheFileError(err);
    });
    return this.current(absPath, st);
  }

  /** Loads files ahead of demand (manifests, init segments) and asks the kernel to read them in. */
  async warm(absPaths: readonly string[]): Promise<void> {
    for (const p of absPaths) {
      const f = await this.get(p).catch(() => undefined);
      if (f?.mapped && this.mmap) this.mmap.advise(f.body, 'willneed');
    }
  }

  /**
   * Whether `file`, a mapping handed out for `absPath`, still holds the file's bytes: no page was
   * lost to a truncation (the mmap addon's SIGBUS handler poisons such a mapping) and the mapped
   * inode was not rewritten in place (a shared mapping shows the new bytes). A file replaced by
   * rename or deleted leaves the mapped inode as it was: still intact. A synchronous stat, as
   * `get` does for cached files; a rewritten file is dropped from the cache.
   */
  intact(absPath: string, file: CachedFile): boolean {
    if (!file.mapped) return true;
    if (this.mmap?.isPoisoned(file.body)) {
      this.invalidate(absPath);
      return false;
    }
    let st: Stats;
    try {
      st = statSync(absPath);
    } catch {
      return true; // deleted: the mapping keeps the inode and its bytes
    }
    const rewritten = st.ino === file.ino && st.dev === file.dev && (st.size !== file.size || st.mtimeMs !== file.mtimeMs);
    if (rewritten) this.invalidate(absPath);
    return !rewritten;
  }

  invalidate(absPath: string): void {
    this.lru.delete(absPath);
  }

  stats(): SegmentCacheStats {
    return {
      ...this.counts,
      cachedBytes: this.lru.totalBytes,
      mappedBytes: this.mmap?.mappedBytes() ?? 0,
      entries: this.lru.size,
      maxEntries: this.opts.maxEntries ?? DEFAULT_MAX_ENTRIES,
      budgetBytes: this.opts.budgetBytes,
      mode: this.mmap ? 'mmap' : 'read',
    };
  }

  /** The entry if `st` says it is still the file on disk, else the one load of the new file. */
  private current(absPath: string, st: Stats): Promise<CachedFile> {
    if (!st.isFile()) return Promise.reject(new CacheFileError('EISDIR', `not a regular file: ${absPath}`));
    const entry = this.lru.get(absPath);
    if (entry && unchanged(entry, st)) {
      this.counts.hits++;
      return Promise.resolve(entry.file);
    }
    if (entry) this.lru.delete(absPath); // replaced or truncated: its bytes are stale
    const pending = this.inflight.get(absPath);
    if (pending) {
      this.counts.collapsed++;
      return pending;
    }
    this.counts.misses++;
    const load = this.load(absPath, st).finally(() => this.inflight.delete(absPath));
    this.inflight.set(absPath, load);
    return load;
  }

  private async load(absPath: string, st: Stats): Promise<CachedFile> {
    const fits = st.size <= this.opts.budgetBytes;
    const maxEntries = this.opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
    // Larger than the whole budget: served from a read, never cached. A mapping refused for
    // lack of room (ENOMEM: too many mappings) is read instead.
    const { body, ino, dev, size, mtimeMs, mapped } = fits && this.mmap ? (this.mappedOrNull(absPath) ?? (await this.read(absPath, st))) : await this.read(absPath, st);
    const file: CachedFile = { body, size, mtimeMs, mapped, ino, dev };
    if (!fits) return file;
    while (this.lru.totalBytes + size > this.opts.budgetBytes || this.lru.size >= maxEntries) {
      const oldest = this.lru.oldest();
      if (!oldest) break;
      this.lru.delete(oldest[0]);
      this.counts.evictions++;
    }
    this.lru.set(absPath, { file, ino, dev, sizeBytes: size });
    return file;
  }

  private mappedOrNull(absPath: string): ReturnType<SegmentCache['mapped']> | null {
    try {
      return this.mapped(absPath);
    } catch (err) {
      if ((err as CacheFileError).code === 'ENOMEM') return null;
      throw err;
    }
  }

  private mapped(absPath: string): { body: Buffer; ino: number; dev: number; size: number; mtimeMs: number; mapped: boolean } {
    try {
      const m = (this.mmap as MmapAddon).mapFile(absPath);
      // Segments are read front to back by responses.
      if (m.size > 0) (this.mmap as MmapAddon).advise(m.buffer, 'sequential');
      return { body: m.buffer, ino: m.ino, dev: m.dev, size: m.size, mtimeMs: m.mtimeMs, mapped: true };
    } catch (err) {
      throw asCacheFileError(err);
    }
  }

  private async read(absPath: string, st: Stats): Promise<{ body: Buffer; ino: number; dev: number; size: number; mtimeMs: number; mapped: boolean }> {
    const body = await readFile(absPath).catch((err: unknown) => {
      throw asCacheFileError(err);
    });
    return { body, ino: st.ino, dev: st.dev, size: body.length, mtimeMs: st.mtimeMs, mapped: false };
  }
}

function statNow(absPath: string): Stats {
  try {
    return statSync(absPath);
  } catch (err) {
    throw asCacheFileError(err);
  }
}

function unchanged(e: Entry, st: Stats): boolean {
  return e.ino === st.ino && e.dev === st.dev && e.sizeBytes === st.size && e.file.mtimeMs === st.mtimeMs;
}

const DEFAULT_MAX_ENTRIES = 32_768;

/** Default budget: a quarter of RAM, at most 16 GiB — the rest stays for the page cache and the heap. */
export function defaultCacheBudgetBytes(totalMemBytes: number): number {
  return Math.min(Math.floor(totalMemBytes / 4), 16 * 1024 ** 3);
}
