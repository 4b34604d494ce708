import type { Priority } from './priority.js';

/** One response body being sent on a connection, as the scheduler tracks it. */
export interface ScheduledStream {
  /** Marks the stream as holding data to send; resolves once it may write (its turn). */
  ready(): Promise<void>;
  /** The stream is waiting for its body source: it must not hold others back meanwhile. */
  idle(): void;
  /** Changes urgency/incremental mid-response (e.g. a PRIORITY_UPDATE). */
  reprioritize(p: Priority): void;
  /** The body is finished or abandoned. */
  done(): void;
}

/**
 * One stream's place in its connection's order: the ScheduledStream the scheduler hands out.
 * A class, not closures: one object per response on the hot path. Freed when `done`.
 */
class Turn implements ScheduledStream {
  hasData = false;
  waiters: Array<() => void> | undefined;

  constructor(
    private readonly scheduler: SendScheduler,
    readonly seq: number,
    public priority: Priority,
  ) {}

  ready(): Promise<void> {
    this.hasData = true;
    if (this.scheduler.mayWrite(this)) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  idle(): void {
    this.hasData = false;
    this.scheduler.wake();
  }

  reprioritize(p: Priority): void {
    this.priority = { urgency: p.urgency, incremental: p.incremental };
    this.scheduler.wake();
  }

  done(): void {
    this.scheduler.close(this);
  }
}

/**
 * Per-connection send order after RFC 9218 §10: a stream may write only while no stream of a
 * more urgent level has data ready; within a level, non-incremental streams go one at a time
 * in request order and incremental streams share. Used by transports whose protocol library
 * does not schedule by RFC 9218 itself. Streams waiting for their own body source are skipped,
 * so a slow upstream never stalls the connection. `onEmpty` runs when the last open stream is
 * done (a connection's owner drops the scheduler then).
 */
export class SendScheduler {
  private readonly turns = new Set<Turn>();
  private seq = 0;

  constructor(private readonly onEmpty?: () => void) {}

  open(priority: Priority): ScheduledStream {
    const turn = new Turn(this, this.seq++, { urgency: priority.urgency, incremental: priority.incremental });
    this.turns.add(turn);
    return turn;
  }

  /** @internal Turn's: whether `turn` may write now. */
  mayWrite(turn: Turn): boolean {
    const mine = turn.priority;
    for (const other of this.turns) {
      if (other === turn || !other.hasData) continue;
      const theirs = other.priority;
      if (theirs.urgency < mine.urgency) return false;
      // Same level: an earlier non-incremental stream finishes first (§10, "sequentially").
      if (theirs.urgency === mine.urgency && !theirs.incremental && !mine.incremental && other.seq < turn.seq) return false;
      if (theirs.urgency === mine.urgency && !theirs.incremental && mine.incremental) return false;
    }
    return true;
  }

  /** @internal Turn's: releases the waiters of every stream that may write now. */
  wake(): void {
    for (const turn of this.turns) {
      const waiters = turn.waiters;
      if (!waiters || waiters.length === 0 || !this.mayWrite(turn)) continue;
      turn.waiters = undefined;
      for (const w of waiters) w();
    }
  }

  /** @internal Turn's `done`: idempotent. */
  close(turn: Turn): void {
    if (!this.turns.delete(turn)) return;
    if (this.turns.size === 0) this.onEmpty?.();
    else this.wake();
  }
}
