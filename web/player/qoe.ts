import type { PlaybackGrant } from './playback-api.js';
import type { QoeEvent } from '../../src/home/api-shapes.js';

const FLUSH_INTERVAL_MS = 10_000;

/**
 * Reports one playback session: QoE events batched to `/v1/qoe` (every 10 s, and with
 * sendBeacon when the page goes away) and heartbeats to the grant's heartbeat URL carrying the
 * player's bandwidth estimate. `stop()` flushes and ends both timers.
 */
export class SessionReporter {
  private queue: QoeEvent[] = [];
  private readonly timers: number[] = [];
  private readonly onHide = (): void => {
    if (document.visibilityState === 'hidden') this.flush(true);
  };
  /** Every event reported, for the page's own diagnostics. */
  readonly log: QoeEvent[] = [];

  constructor(
    private readonly grant: PlaybackGrant,
    private readonly sample: () => { positionSec: number; durationSec: number; bandwidthKbps: number },
  ) {
    this.timers.push(window.setInterval(() => this.flush(false), FLUSH_INTERVAL_MS));
    this.timers.push(window.setInterval(() => this.heartbeat(), grant.policy.heartbeatIntervalSec * 1000));
    document.addEventListener('visibilitychange', this.onHide);
  }

  report(e: QoeEvent): void {
    this.queue.push(e);
    this.log.push(e);
    if (e.type === 'startup' || e.type === 'failover') this.flush(false);
  }

  flush(leaving: boolean): void {
    const { positionSec, durationSec } = this.sample();
    if (durationSec > 0) this.queue.push({ type: 'progress', positionSec: Math.min(positionSec, durationSec), durationSec });
    const body = JSON.stringify({ sessionId: this.grant.sessionId, events: this.queue.splice(0) });
    if (leaving) navigator.sendBeacon('/v1/qoe', new Blob([body], { type: 'application/json' }));
    else void fetch('/v1/qoe', { method: 'POST', headers: { 'content-type': 'application/json' }, body, keepalive: true }).catch(() => undefined);
  }

  stop(): void {
    this.flush(false);
    for (const t of this.timers) clearInterval(t);
    document.removeEventListener('visibilitychange', this.onHide);
  }

  private heartbeat(): void {
    const kbps = Math.round(this.sample().bandwidthKbps);
    void fetch(this.grant.policy.heartbeatUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(kbps > 0 ? { bandwidthKbps: kbps } : {}),
    }).catch(() => undefined);
  }
}
