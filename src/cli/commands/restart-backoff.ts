/** Settings of {@link RestartBackoff}; the defaults are what `serve --workers N` uses. */
export interface RestartBackoffOptions {
  /** Delay before the first restart after a stable run. */
  initialDelayMs?: number;
  /** The delay doubles per crash in a row up to this. */
  maxDelayMs?: number;
  /** A worker that lived this long was stable: the next crash starts from `initialDelayMs` again. */
  stableAfterMs?: number;
  /** Crashes in a row from which the node is in a crash loop (logged at error, shown by a gauge). */
  crashLoopAfter?: number;
  clock?: () => number;
}

/** What to do about one worker exit. */
export interface RestartDecision {
  /** Wait this long before forking the replacement. */
  delayMs: number;
  /** Crashes in a row, this one included (a stable run resets the count). */
  crashesInARow: number;
  crashLoop: boolean;
}

/**
 * Exponential back-off for restarting crashed workers: the primary never gives up (a repeatable
 * crash must not become an outage of the node), but a worker that dies at once is not forked in a
 * tight loop either. Node-wide: crashes of different workers count together.
 */
export class RestartBackoff {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly stableAfterMs: number;
  private readonly crashLoopAfter: number;
  private readonly clock: () => number;
  private crashes = 0;
  private lastCrashAtMs = -Infinity;

  constructor(opts: RestartBackoffOptions = {}) {
    this.initialDelayMs = opts.initialDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.stableAfterMs = opts.stableAfterMs ?? 60_000;
    this.crashLoopAfter = opts.crashLoopAfter ?? 5;
    this.clock = opts.clock ?? Date.now;
  }

  /** Called when a worker that lived `livedMs` exited unexpectedly. */
  onCrash(livedMs: number): RestartDecision {
    if (livedMs >= this.stableAfterMs) this.crashes = 0;
    this.crashes++;
    this.lastCrashAtMs = this.clock();
    const delayMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.crashes - 1));
    return { delayMs, crashesInARow: this.crashes, crashLoop: this.crashes >= this.crashLoopAfter };
  }

  /** True from the crash that made a loop until the node has gone `stableAfterMs` without one. */
  inCrashLoop(): boolean {
    return this.crashes >= this.crashLoopAfter && this.clock() - this.lastCrashAtMs < this.stableAfterMs + this.maxDelayMs;
  }
}
