import type { FailoverReason } from '../../src/home/api-shapes.js';

/** Why the player left a CDN (the QoE beacon's reasons). */
export type { FailoverReason };

/**
 * The CDN base URLs of a playback grant in ranked order and the one in use. Every media URL is
 * `<base>t/<token>/content/…`, so moving to another CDN means swapping the base.
 */
export class CdnPool {
  private active = 0;
  private readonly listeners: Array<(from: string, to: string, reason: FailoverReason) => void> = [];

  constructor(private readonly bases: readonly string[]) {}

  get current(): string {
    return this.bases[this.active] ?? '';
  }

  /** `url` moved onto the active CDN (unchanged when it is under none of them). */
  rewrite(url: string): string {
    const base = this.bases.find((b) => url.startsWith(b));
    return base === undefined || base === this.current ? url : this.current + url.slice(base.length);
  }

  /**
   * Moves to the next CDN (wrapping around). `failedBase` guards against several in-flight
   * requests failing on the same CDN each moving one step. Returns true when a move happened.
   */
  failover(failedBase: string, reason: FailoverReason): boolean {
    if (this.bases.length < 2 || failedBase !== this.current) return false;
    const from = this.current;
    this.active = (this.active + 1) % this.bases.length;
    for (const l of this.listeners) l(from, this.current, reason);
    return true;
  }

  onFailover(listener: (from: string, to: string, reason: FailoverReason) => void): void {
    this.listeners.push(listener);
  }

  get size(): number {
    return this.bases.length;
  }
}
