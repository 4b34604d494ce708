import type { Priority } from '../priority/priority.js';
import { SendScheduler, type ScheduledStream } from '../priority/send-scheduler.js';

/**
 * One SendScheduler per connection, created with its first stream and dropped with its last,
 * for engines that identify connections by a key rather than an object with a lifetime.
 */
export class ConnectionSchedulers<K> {
  private readonly byConnection = new Map<K, { scheduler: SendScheduler; streams: number }>();

  open(conn: K, priority: Priority): ScheduledStream {
    let slot = this.byConnection.get(conn);
    if (!slot) this.byConnection.set(conn, (slot = { scheduler: new SendScheduler(), streams: 0 }));
    slot.streams++;
    const turn = slot.scheduler.open(priority);
    const owner = slot;
    let closed = false;
    return {
      ...turn,
      done: () => {
        if (closed) return;
        closed = true;
        turn.done();
        if (--owner.streams === 0) this.byConnection.delete(conn);
      },
    };
  }
}
