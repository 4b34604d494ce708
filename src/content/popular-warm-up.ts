import { join } from 'node:path';
import { titleFilesToWarm } from '../cache/warm-list.js';
import { titlesByPopularity } from './title-order.js';

/** The background pass rests this many times as long as each title took. */
const BACKGROUND_REST = 3;

export interface PopularWarmUpDeps {
  mediaRoot: string;
  /** Maps files into the cache and asks the kernel to read them in (SegmentCache.warm). */
  warm: (absPaths: readonly string[]) => Promise<void>;
  /** Warmed before ready: at most this many titles and bytes (the first title whatever its size). */
  titles: number;
  bytes: number;
  /** Whether the background may warm another title (the cache has room: entries, bytes). */
  roomForMore: () => boolean;
  /** Waits `ms` (a timer): the background pass rests between titles. */
  pause: (ms: number) => Promise<void>;
  /** The popular titles are warm: the node may take traffic. */
  onReady: (done: { titles: number; bytes: number; ms: number }) => void;
  /** The background pass ended: `titles` more warmed, `left` for their first use. */
  onBackgroundDone: (done: { titles: number; bytes: number; left: number; ms: number }) => void;
  now: () => number;
}

/**
 * Start-up warm-up in popularity order. The most popular titles (up to `titles` / `bytes`) are
 * warmed first and `onReady` called; the others are warmed in the background one title at a
 * time, resting between titles (three times as long as the title took), while the cache has room; what is left is loaded on
 * first use like any file. `stop()` ends the background pass (at close).
 */
export class PopularWarmUp {
  private stopped = false;
  private readyNow = false;

  constructor(private readonly deps: PopularWarmUpDeps) {}

  get ready(): boolean {
    return this.readyNow;
  }

  /** Runs both passes; never rejects (a title that cannot be read is skipped). */
  async run(): Promise<void> {
    const d = this.deps;
    const started = d.now();
    const order = await titlesByPopularity(d.mediaRoot);
    let next = 0;
    let bytes = 0;
    const first: string[] = [];
    // The ready set: whole titles in order until either limit; the most popular one always.
    for (; next < order.length && next < d.titles; next++) {
      const files = await titleFilesToWarm(join(d.mediaRoot, order[next] as string));
      const size = files.reduce((n, f) => n + f.bytes, 0);
      if (next > 0 && bytes + size > d.bytes) break;
      bytes += size;
      first.push(...files.map((f) => f.path));
    }
    await d.warm(first).catch(() => undefined);
    this.readyNow = true;
    d.onReady({ titles: next, bytes, ms: Math.round(d.now() - started) });
    const background = d.now();
    let warmed = 0;
    let warmedBytes = 0;
    for (; next < order.length && !this.stopped && d.roomForMore(); next++) {
      const titleStarted = d.now();
      const files = await titleFilesToWarm(join(d.mediaRoot, order[next] as string));
      await d.warm(files.map((f) => f.path)).catch(() => undefined);
      warmed++;
      warmedBytes += files.reduce((n, f) => n + f.bytes, 0);
      // Rests three times as long as the title took: a quarter of the time at most goes to it.
      await d.pause(BACKGROUND_REST * (d.now() - titleStarted));
    }
    d.onBackgroundDone({ titles: warmed, bytes: warmedBytes, left: order.length - next, ms: Math.round(d.now() - background) });
  }

  stop(): void {
    this.stopped = true;
  }
}
