/**
 * Values by (connection serial, stream ID), found without building a string key per event. A
 * connection's inner map goes with its last stream, so the table holds only live streams.
 */
export class StreamTable<V> {
  private readonly byConnection = new Map<number, Map<number, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(conn: number, stream: number): V | undefined {
    return this.byConnection.get(conn)?.get(stream);
  }

  set(conn: number, stream: number, value: V): void {
    let streams = this.byConnection.get(conn);
    if (!streams) this.byConnection.set(conn, (streams = new Map()));
    if (!streams.has(stream)) this.count++;
    streams.set(stream, value);
  }

  /** Removes and returns the value, if there was one. */
  take(conn: number, stream: number): V | undefined {
    const streams = this.byConnection.get(conn);
    const value = streams?.get(stream);
    if (streams === undefined || value === undefined) return undefined;
    streams.delete(stream);
    this.count--;
    if (streams.size === 0) this.byConnection.delete(conn);
    return value;
  }
}
