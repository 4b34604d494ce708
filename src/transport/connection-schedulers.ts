import type { Priority } from '../priority/priority.js';
import { SendScheduler, type ScheduledStream } from '../priority/send-scheduler.js';

/**
 * One SendScheduler per connection, created with its first stream and dropped with its last,
 * for engines that identify connections by a key rather than an object with a lifetime.
 */
export class ConnectionSchedulers<K> {
  private readonly byConnection = new Map<K, SendScheduler>();

  open(conn: K, priority: Priority): ScheduledStream {
    let scheduler = this.byConnection.get(conn);
    if (!scheduler) this.byConnection.set(conn, (scheduler = new SendScheduler(() => this.byConnection.delete(conn))));
    return scheduler.open(priority);
  }
}
