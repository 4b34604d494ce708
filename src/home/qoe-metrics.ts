import { Counter, Histogram, type Registry } from 'prom-client';

/** Player-reported quality of experience, exported with the server's metrics. */
export class QoeMetrics {
  readonly beacons: Counter<'type'>;
  readonly startup: Histogram;
  readonly rebuffers: Counter;
  readonly rebufferSeconds: Counter;
  readonly switches: Counter;
  readonly failovers: Counter<'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.beacons = new Counter({ name: 'h3edge_qoe_events_total', help: 'QoE events received from players, by type', labelNames: ['type'] as const, registers });
    this.startup = new Histogram({
      name: 'h3edge_qoe_startup_seconds',
      help: 'Player-measured time from the play intent to the first frame',
      buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13],
      registers,
    });
    this.rebuffers = new Counter({ name: 'h3edge_qoe_rebuffers_total', help: 'Stalls after playback started', registers });
    this.rebufferSeconds = new Counter({ name: 'h3edge_qoe_rebuffer_seconds_total', help: 'Time spent stalled after playback started', registers });
    this.switches = new Counter({ name: 'h3edge_qoe_bitrate_switches_total', help: 'Rendition switches during playback', registers });
    this.failovers = new Counter({
      name: 'h3edge_qoe_cdn_failovers_total',
      help: 'Player moves to the next CDN, by reason (timeout, http, network, slow)',
      labelNames: ['reason'] as const,
      registers,
    });
  }
}
