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

interface Entry {
  seq: number;
  priority: Priority;
  hasData: boolean;
  waiters: Array<() => void>;
}

/**
 * Per-connection send order after RFC 9218 §10: a stream may write only while no stream of a
 * more urgent level has data ready; within a level, non-incremental streams go one at a time
 * in request order and incremental streams share. Used by transports whose protocol library
 * does not schedule by RFC 9218 itself. Streams waiting for their own body source are skipped,
 * so a slow upstream never stalls the connection.
 */
export class SendScheduler {
  private readonly entries = new Set<Entry>();
  private seq = 0;

  open(priority: Priority): ScheduledStream {
    const entry: Entry = { seq: this.seq++, priority: { ...priority }, hasData: false, waiters: [] };
    this.entries.add(entry);
    return {
      ready: () => {
        entry.hasData = true;
        if (this.mayWrite(entry)) return Promise.resolve();
        return new Promise((resolve) => entry.waiters.push(resolve));
      },
      idle: () => {
        entry.hasData = false;
        this.wake();
      },
      reprioritize: (p) => {
        entry.priority = { ...p };
        this.wake();
      },
      done: () => {
        this.entries.delete(entry);
        this.wake();
      },
    };
  }

  private mayWrite(entry: Entry): boolean {
    const mine = entry.priority;
    for (const other of this.entries) {
      if (other === entry || !other.hasData) continue;
      const theirs = other.priority;
      if (theirs.urgency < mine.urgency) return false;
      // Same level: an earlier non-incremental stream finishes first (§10, "sequentially").
      if (theirs.urgency === mine.urgency && !theirs.incremental && !mine.incremental && other.seq < entry.seq) return false;
      if (theirs.urgency === mine.urgency && !theirs.incremental && mine.incremental) return false;
    }
    return true;
  }

  private wake(): void {
    for (const entry of this.entries) {
      if (entry.waiters.length === 0 || !this.mayWrite(entry)) continue;
      const waiters = entry.waiters.splice(0);
      for (const w of waiters) w();
    }
  }
}
