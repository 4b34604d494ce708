import type { Logger } from 'pino';
import { insideWindow, type FillWindow } from './fill-window.js';
import type { FillSummary } from './fill-run.js';

export interface FillScheduleOptions {
  /** Read at every check (the operator may change it on SIGHUP); null = no scheduled fill. */
  window: () => FillWindow | null;
  /** Upstreams in preference order, read per run; a run that fails on one is retried on the next. */
  upstreams: () => readonly string[];
  run: (upstream: string, windowClosed: () => boolean) => Promise<FillSummary>;
  checkEveryMs: number;
  logger: Logger;
  now: () => Date;
  onRun: (result: 'complete' | 'incomplete' | 'failed', summary: FillSummary | null) => void;
}

/**
 * The nightly fill inside `serve`: checks the clock every `checkEveryMs` and runs one fill per
 * window (again on the next check if a run ended incomplete while the window is still open).
 * One run at a time; stops between files when the window closes.
 */
export class FillSchedule {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Day (local date) of the window occurrence already filled completely. */
  private doneFor: string | null = null;
  /** Result of the last run: 'failed' means no upstream could be filled from. */
  lastResult: 'complete' | 'incomplete' | 'failed' | null = null;

  constructor(private readonly o: FillScheduleOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.o.checkEveryMs);
    this.timer.unref();
    this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    const now = this.o.now();
    const window = this.o.window();
    if (this.running || window === null || !insideWindow(window, now) || this.doneFor === occurrence(window, now)) return;
    this.running = this.runOnce(occurrence(window, now)).finally(() => (this.running = null));
  }

  private async runOnce(day: string): Promise<void> {
    const windowClosed = (): boolean => {
      const window = this.o.window();
      return this.timer === null || window === null || !insideWindow(window, this.o.now());
    };
    for (const upstream of this.o.upstreams()) {
      try {
        this.o.logger.info({ upstream }, 'fill: starting the scheduled run');
        const summary = await this.o.run(upstream, windowClosed);
        const complete = summary.filesFailed === 0 && !summary.stoppedByWindow;
        if (complete) this.doneFor = day;
        this.o.logger.info({ ...summary, titles: summary.titles.length }, complete ? 'fill: run complete' : 'fill: run incomplete');
        this.lastResult = complete ? 'complete' : 'incomplete';
        this.o.onRun(this.lastResult, summary);
        return;
      } catch (err) {
        this.o.logger.warn({ upstream, err: (err as Error).message }, 'fill: run failed on this upstream');
      }
    }
    this.lastResult = 'failed';
    this.o.onRun('failed', null);
  }
}

/** The date a window occurrence started on (a window past midnight belongs to the day before). */
function occurrence(w: FillWindow, now: Date): string {
  const minutes = now.getHours() * 60 + now.getMinutes();
  const start = new Date(now);
  if (w.startMin > w.endMin && minutes < w.endMin) start.setDate(start.getDate() - 1);
  return start.toDateString();
}
