import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import type { Cdn, CdnHealth } from './cdn-ranking.js';

export interface CdnHealthOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Extra CA certificates to trust besides the system store (e.g. a private CA, a dev cert). */
  extraCa: Buffer[];
  logger: Logger;
}

/** Consecutive failed probes after which a CDN counts as down. */
const FAILURES_TO_DOWN = 2;

/**
 * Probes every CDN's /healthz on an interval, so the ranking and the steering server move an
 * edge that stops answering to the back (and bring it forward when it recovers). A CDN not yet
 * probed is 'unknown'.
 */
export class CdnHealthProbe {
  private readonly state = new Map<string, { health: CdnHealth; failures: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly ca: string[];

  constructor(private readonly cdns: readonly Cdn[], private readonly opts: CdnHealthOptions) {
    this.ca = [...rootCertificates, ...opts.extraCa.map((b) => b.toString())];
  }

  start(): void {
    if (this.cdns.length === 0 || this.opts.intervalMs <= 0) return;
    const tick = (): void => {
      for (const cdn of this.cdns) void this.probe(cdn);
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  health = (id: string): CdnHealth => this.state.get(id)?.health ?? 'unknown';

  private async probe(cdn: Cdn): Promise<void> {
    const ok = await this.ping(new URL('healthz', cdn.baseUrl));
    const prev = this.state.get(cdn.id) ?? { health: 'unknown' as CdnHealth, failures: 0 };
    const failures = ok ? 0 : prev.failures + 1;
    const health: CdnHealth = ok ? 'up' : failures >= FAILURES_TO_DOWN ? 'down' : prev.health;
    if (health !== prev.health) this.opts.logger.warn({ cdn: cdn.id, health }, 'cdn health changed');
    this.state.set(cdn.id, { health, failures });
  }

  private ping(url: URL): Promise<boolean> {
    return new Promise((resolve) => {
      const req = https.get(url, { ca: this.ca, timeout: this.opts.timeoutMs, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }
}
