import { realpath } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { NotFound } from '../http/errors.js';

/**
 * Keeps symlinks inside the media directory from reaching outside it. A `realpath` per request is
 * a thread-pool round trip and a system call per path component — the largest share of a small
 * response's work — so a path found inside is trusted for `ttlMs`, as nginx's open_file_cache
 * trusts what it looked up. Only the operator can change links in the media directory; a path
 * that escapes is looked up again on every request.
 */
export class SymlinkGuard {
  private realRoot: string | undefined;
  private readonly insideUntil = new Map<string, number>();

  constructor(
    private readonly root: string,
    private readonly ttlMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  /** Throws NotFound unless `abs` (already lexically inside the root) stays inside it on disk. */
  async assertInside(abs: string): Promise<void> {
    const t = this.now();
    if ((this.insideUntil.get(abs) ?? 0) > t) return;
    // Resolved on first use: the media directory may appear after start (readiness says so).
    this.realRoot ??= await realpath(this.root).catch(() => {
      throw new NotFound();
    });
    await assertNoSymlinkEscape(abs, this.realRoot);
    if (this.insideUntil.size >= this.maxEntries) this.insideUntil.clear();
    this.insideUntil.set(abs, t + this.ttlMs);
  }
}

/**
 * For a file that does not exist yet (an edge may fetch it) the nearest existing directory above
 * it is checked instead, since that is where it would be written.
 */
async function assertNoSymlinkEscape(abs: string, realRoot: string): Promise<void> {
  let path = abs;
  for (;;) {
    try {
      const real = await realpath(path);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new NotFound();
      return;
    } catch (err) {
      if (err instanceof NotFound || (err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(path) === path) throw new NotFound();
      path = dirname(path);
    }
  }
}
