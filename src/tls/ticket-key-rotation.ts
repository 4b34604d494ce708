import { randomBytes } from 'node:crypto';
import { firstTicketKeys, rotateTicketKeys, type TicketKeySet } from './ticket-keys.js';

/** The timer functions rotation needs (tests pass fakes). */
export interface RotationTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TicketKeyRotationDeps {
  /** Rotate this long after the last rotation; 0 = only when {@link TicketKeyRotation.rotate} is called. */
  everyMs: number;
  /** Receives every new key set (not the first); must not throw. */
  onRotate(keys: TicketKeySet): void;
  random?: (n: number) => Buffer;
  timers?: RotationTimers;
}

const NODE_TIMERS: RotationTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Owns a node's session-ticket keys, in the one process that generates them (a single-process
 * node, or the primary of a multi-worker one). Rotates on a timer and on demand (SIGHUP); a
 * rotation restarts the timer, so every generation issues tickets for a whole period and is
 * accepted as the previous one for the next period.
 */
export class TicketKeyRotation {
  private current: TicketKeySet;
  private timer: unknown = null;
  private stopped = false;
  private readonly random: (n: number) => Buffer;
  private readonly timers: RotationTimers;

  constructor(private readonly deps: TicketKeyRotationDeps) {
    this.random = deps.random ?? randomBytes;
    this.timers = deps.timers ?? NODE_TIMERS;
    this.current = firstTicketKeys(this.random);
  }

  get keys(): TicketKeySet {
    return this.current;
  }

  /** Starts the timer (nothing to do when `everyMs` is 0). */
  start(): void {
    this.schedule();
  }

  rotate(): TicketKeySet {
    this.current = rotateTicketKeys(this.current, this.random);
    this.schedule();
    this.deps.onRotate(this.current);
    return this.current;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || this.deps.everyMs <= 0) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.rotate();
    }, this.deps.everyMs);
  }
}
