import type { ByteRange } from '../http/ranges.js';
import type { CacheOutcome } from '../http/exchange.js';

/** A file as the content handler sees it: validators plus a way to read (part of) its bytes. */
export interface ContentFile {
  size: number;
  mtimeMs: number;
  /** Strong entity tag, quoted. */
  etag: string;
  /** The bytes of `range` (whole file when omitted). A Buffer may be a zero-copy view. */
  read(range?: ByteRange): Buffer | AsyncIterable<Uint8Array>;
  /**
   * For zero-copy views of a mapping: whether the bytes read are still the file's (it was not
   * truncated or rewritten in place since). Absent for bytes copied at open.
   */
  intact?(): boolean;
}

/**
 * Where the content handler gets files from: the mmap segment cache in production, plain
 * reads as the fallback. Throws NotFound for missing files and directories.
 */
export interface ContentStore {
  /** `seen` learns how an edge came by the file (its cache, a prefetch, an upstream), where the store knows. */
  open(absPath: string, seen?: (outcome: CacheOutcome) => void): Promise<ContentFile>;
}

/** Strong ETag from the identity and version of a file; changes when it is replaced. */
export function fileEtag(st: { dev: number; ino: number; size: number; mtimeMs: number }): string {
  return `"${st.dev.toString(36)}-${st.ino.toString(36)}-${st.size.toString(36)}-${Math.floor(st.mtimeMs).toString(36)}"`;
}
