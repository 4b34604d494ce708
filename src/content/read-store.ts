import { open } from 'node:fs/promises';
import type { ByteRange } from '../http/ranges.js';
import { NotFound } from '../http/errors.js';
import { fileEtag, type ContentFile, type ContentStore } from './content-store.js';

/** Files at most this big are read into memory in one call; larger ones are streamed. */
const SMALL_FILE_BYTES = 256 * 1024;

/**
 * Reads files with plain syscalls on every request. The fallback when the mapped cache is
 * unavailable, and the baseline the cache is measured against.
 */
export class ReadStore implements ContentStore {
  async open(absPath: string): Promise<ContentFile> {
    let handle;
    try {
      handle = await open(absPath, 'r');
    } catch (err) {
      throw asNotFound(err);
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new NotFound();
      const small = st.size <= SMALL_FILE_BYTES ? await handle.readFile() : undefined;
      // Short read: the file changed between stat and read; report the bytes we actually have.
      const size = small ? small.length : st.size;
      return {
        size,
        mtimeMs: st.mtimeMs,
        etag: fileEtag({ dev: st.dev, ino: st.ino, size, mtimeMs: st.mtimeMs }),
        read: (range?: ByteRange) => {
          if (small) return range ? small.subarray(range.start, range.end + 1) : small;
          return readVerified(absPath, st.ino, st.mtimeMs, range ?? { start: 0, end: size - 1 });
        },
      };
    } finally {
      await handle.close();
    }
  }
}

/**
 * Streams a range of the file, refusing to start if it was replaced since `open` validated it,
 * so a response never mixes bytes of two versions (the fill job replaces files by rename).
 */
async function* readVerified(absPath: string, ino: number, mtimeMs: number, range: ByteRange): AsyncIterable<Uint8Array> {
  const handle = await open(absPath, 'r');
  try {
    const st = await handle.stat();
    if (st.ino !== ino || st.mtimeMs !== mtimeMs || st.size <= range.end) throw new Error('file changed while being served');
    yield* handle.createReadStream({ start: range.start, end: range.end, autoClose: false });
  } finally {
    await handle.close();
  }
}

function asNotFound(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? new NotFound() : err;
}
