/**
 * Paces a transfer to `bitsPerSec`: after each chunk, how long to wait so that the bytes so far
 * have not arrived faster than the rate allows (the fill must not crowd out viewers).
 */
export class RateLimiter {
  private bytes = 0;
  private readonly startedAt: number;

  constructor(private readonly bitsPerSec: number | null, private readonly clock: () => number) {
    this.startedAt = clock();
  }

  /** Milliseconds to wait after `n` more bytes arrived. */
  delayAfter(n: number): number {
    if (this.bitsPerSec === null) return 0;
    this.bytes += n;
    const due = this.startedAt + (this.bytes * 8 * 1000) / this.bitsPerSec;
    return Math.max(0, due - this.clock());
  }
}
