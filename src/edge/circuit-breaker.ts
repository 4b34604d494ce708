/** One upstream's health as the edge sees it. */
export interface UpstreamHealth {
  origin: string;
  state: 'closed' | 'open' | 'half-open';
  failures: number;
  lastError?: string;
}

/**
 * Per-upstream circuit breaker: after `threshold` consecutive failures the upstream is skipped
 * for `cooldownMs`, then one request tries it again (half-open); a success closes the circuit.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = -Infinity;
  private lastError: string | undefined;

  constructor(
    readonly origin: string,
    private readonly opts: { threshold: number; cooldownMs: number; clock: () => number },
  ) {}

  /** Whether a request may go to this upstream now. */
  allows(): boolean {
    return this.state() !== 'open';
  }

  success(): void {
    this.failures = 0;
    this.lastError = undefined;
  }

  failure(reason: string): void {
    this.failures++;
    this.lastError = reason;
    if (this.failures >= this.opts.threshold) this.openedAt = this.opts.clock();
  }

  /** Opens the circuit at once: the upstream sent something provably wrong. */
  trip(reason: string): void {
    this.failures = Math.max(this.failures, this.opts.threshold);
    this.lastError = reason;
    this.openedAt = this.opts.clock();
  }

  health(): UpstreamHealth {
    return { origin: this.origin, state: this.state(), failures: this.failures, lastError: this.lastError };
  }

  private state(): UpstreamHealth['state'] {
    if (this.failures < this.opts.threshold) return 'closed';
    return this.opts.clock() - this.openedAt >= this.opts.cooldownMs ? 'half-open' : 'open';
  }
}
