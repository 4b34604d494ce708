import type { ByteRange } from '../http/ranges.js';
import { NotFound } from '../http/errors.js';
import { CacheFileError } from '../cache/errors.js';
import type { CachedFile, SegmentCache } from '../cache/segment-cache.js';
import type { ContentFile, ContentStore } from './content-store.js';

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EINVAL']);

/**
 * Files from the segment cache: every read is a zero-copy slice of the cached mapping. One
 * ContentFile per cached file version, so what handlers derive from it (the answer's fields)
 * is built once per version too; it goes with the version when the cache lets it go.
 */
export class CachedStore implements ContentStore {
  private readonly files = new WeakMap<CachedFile, ContentFile>();

  constructor(private readonly cache: SegmentCache) {}

  async open(absPath: string): Promise<ContentFile> {
    try {
      const f = await this.cache.get(absPath);
      let file = this.files.get(f);
      if (!file) {
        file = {
          size: f.size,
          mtimeMs: f.mtimeMs,
          etag: f.etag,
          read: (range?: ByteRange) => (range ? f.body.subarray(range.start, range.end + 1) : f.body),
          ...(f.mapped ? { intact: () => this.cache.intact(absPath, f) } : {}),
        };
        this.files.set(f, file);
      }
      return file;
    } catch (err) {
      if (err instanceof CacheFileError && MISSING.has(err.code)) throw new NotFound();
      throw err;
    }
  }
}
