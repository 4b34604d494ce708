/**
 * Counts streams a peer resets before their response is complete, per connection, in a sliding
 * window; past the limit the connection is an attacker (HTTP/2 rapid reset, CVE-2023-44487):
 * each reset costs us a request dispatch while costing the client one frame.
 */
export class ResetRateGuard<Conn extends object> {
  private readonly windows = new WeakMap<Conn, { startedAt: number; resets: number }>();

  constructor(private readonly opts: { maxResets: number; windowMs: number; clock: () => number }) {}

  /** Records one early reset on `conn`; true when the connection must be closed. */
  reset(conn: Conn): boolean {
    const now = this.opts.clock();
    let w = this.windows.get(conn);
    if (!w || now - w.startedAt > this.opts.windowMs) this.windows.set(conn, (w = { startedAt: now, resets: 0 }));
    w.resets++;
    return w.resets > this.opts.maxResets;
  }
}
