import type { ByteRange } from '../http/ranges.js';
import { NotFound } from '../http/errors.js';
import { CacheFileError } from '../cache/errors.js';
import type { CachedFile, SegmentCache } from '../cache/segment-cache.js';
import { fileEtag, type ContentFile, type ContentStore } from './content-store.js';

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EINVAL']);

/**
 * Files from the segment cache: every read is a zero-copy slice of the cached mapping. The view of
 * a file (its ETag, made from the identity the cache returns, and its readers) is built once per
 * loaded version and shared by every request for it; it lives as long as the cache holds that
 * version or a response still does.
 */
export class CachedStore implements ContentStore {
  private readonly views = new WeakMap<CachedFile, ContentFile>();

  constructor(private readonly cache: SegmentCache) {}

  async open(absPath: string): Promise<ContentFile> {
    let f: CachedFile;
    try {
      f = await this.cache.get(absPath);
    } catch (err) {
      if (err instanceof CacheFileError && MISSING.has(err.code)) throw new NotFound();
      throw err;
    }
    return this.views.get(f) ?? this.view(absPath, f);
  }

  private view(absPath: string, f: CachedFile): ContentFile {
    const file: ContentFile = {
      size: f.size,
      mtimeMs: f.mtimeMs,
      etag: fileEtag(f),
      read: (range?: ByteRange) => (range ? f.body.subarray(range.start, range.end + 1) : f.body),
      ...(f.mapped ? { intact: () => this.cache.intact(absPath, f) } : {}),
    };
    this.views.set(f, file);
    return file;
  }
}
