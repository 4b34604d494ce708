import { Gauge, type Registry } from 'prom-client';

/** The limits past which a node is under duress (0 = that limit is off), and what it then suggests. */
export interface DuressLimits {
  /** Response bytes this process hands to its connections, in bits/s over the last window. */
  egressBitsPerSec: number;
  /** CPU time of this process as a share of one core, percent, over the last window. */
  cpuPercent: number;
  /** CMSD `mb` under duress, kbit/s. */
  maxBitrateKbps: number;
  /** CMSD `mb` otherwise, kbit/s (the ceiling of every playback session). */
  normalMaxBitrateKbps: number;
}

export interface DuressDeps {
  /** Read at every look, so a reload applies at once. */
  limits: () => DuressLimits;
  /** Monotonic milliseconds. */
  now: () => number;
  /** This process's CPU time so far, µs (process.cpuUsage()). */
  cpuUsage: () => { user: number; system: number };
}

/** The window rates are measured over; short enough to react within a segment or two. */
const WINDOW_MS = 2000;
const BUCKETS = 8;
/** Below this share of a limit a node under duress is out of it again (no flapping at the line)… */
const RELEASE_SHARE = 0.9;
/** …once it stayed there this long: players are not sent up and down between two segments. */
const RELEASE_AFTER_MS = 10_000;
/** The CPU is sampled at most this often. */
const CPU_SAMPLE_MS = 250;

/** What the monitor measured at its last look. */
export interface DuressReading {
  egressBitsPerSec: number;
  cpuPercent: number;
  duress: boolean;
}

/**
 * Whether this process is under duress: its egress (response bytes handed to connections, told
 * by the core as responses complete) or its CPU above the configured limits, over a sliding
 * window of two seconds; it is over once both stayed below 90 % of their limits for 10 s (or the
 * limits are lifted). Its advice is what CMSD tells players: `du` and
 * the duress `mb` while it lasts, the normal ceiling otherwise. O(1) per call; no timers.
 */
export class DuressMonitor {
  private readonly bucketMs = WINDOW_MS / BUCKETS;
  private readonly buckets = new Float64Array(BUCKETS);
  private bucketStart = 0;
  private bucketIndex = 0;
  private underDuress = false;
  /** Since when a node under duress measures below the release line. */
  private calmSince: number | null = null;
  private cpuSample: { at: number; usedUs: number } | null = null;
  private cpuPercent = 0;

  constructor(private readonly deps: DuressDeps) {
    this.bucketStart = deps.now();
  }

  /** Response body bytes handed to a connection (the core's completion). */
  recordBytes(bytes: number): void {
    this.advance();
    this.buckets[this.bucketIndex]! += bytes;
  }

  /** The advice of the moment (CMSD `mb`, `du`). */
  advice(): { maxBitrateKbps: number; duress: boolean } {
    const limits = this.deps.limits();
    const duress = this.reading(limits).duress;
    return { maxBitrateKbps: duress ? limits.maxBitrateKbps : limits.normalMaxBitrateKbps, duress };
  }

  /** Egress, CPU and the verdict now. */
  reading(limits: DuressLimits = this.deps.limits()): DuressReading {
    this.advance();
    let bytes = 0;
    for (const b of this.buckets) bytes += b;
    const egressBitsPerSec = (bytes * 8 * 1000) / WINDOW_MS;
    const cpuPercent = this.sampleCpu();
    const over = (share: number): boolean =>
      (limits.egressBitsPerSec > 0 && egressBitsPerSec > limits.egressBitsPerSec * share) || (limits.cpuPercent > 0 && cpuPercent > limits.cpuPercent * share);
    const now = this.deps.now();
    if (limits.egressBitsPerSec === 0 && limits.cpuPercent === 0) {
      // No limit configured (or a reload lifted them): no duress, at once.
      this.underDuress = false;
    } else if (!this.underDuress) {
      this.underDuress = over(1);
      this.calmSince = null;
    } else if (over(RELEASE_SHARE)) {
      this.calmSince = null;
    } else {
      this.calmSince ??= now;
      if (now - this.calmSince >= RELEASE_AFTER_MS) this.underDuress = false;
    }
    return { egressBitsPerSec, cpuPercent, duress: this.underDuress };
  }

  /** Moves the ring to the current bucket, clearing the ones the clock passed. */
  private advance(): void {
    const now = this.deps.now();
    const steps = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, BUCKETS); i++) {
      this.bucketIndex = (this.bucketIndex + 1) % BUCKETS;
      this.buckets[this.bucketIndex] = 0;
    }
    this.bucketStart += steps * this.bucketMs;
  }

  private sampleCpu(): number {
    const now = this.deps.now();
    if (this.cpuSample && now - this.cpuSample.at < CPU_SAMPLE_MS) return this.cpuPercent;
    const usage = this.deps.cpuUsage();
    const usedUs = usage.user + usage.system;
    if (this.cpuSample) {
      const wallUs = (now - this.cpuSample.at) * 1000;
      this.cpuPercent = wallUs > 0 ? ((usedUs - this.cpuSample.usedUs) / wallUs) * 100 : this.cpuPercent;
    }
    this.cpuSample = { at: now, usedUs };
    return this.cpuPercent;
  }
}

/** `h3edge_duress` (1 while under duress) and the egress and CPU it is judged on, read at scrape. */
export function registerDuressMetrics(registry: Registry, monitor: DuressMonitor): void {
  const gauge = (name: string, help: string, pick: (r: DuressReading) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(monitor.reading()));
      },
    });
  };
  gauge('h3edge_duress', 'Whether the process is under duress (egress or CPU above the configured limits): players get CMSD du and the duress mb', (r) => (r.duress ? 1 : 0));
  gauge('h3edge_egress_bytes_per_second', 'Response bytes the process handed to its connections per second over the last 2 s (duressEgressBitsPerSec / 8 is its limit)', (r) => r.egressBitsPerSec / 8);
  gauge('h3edge_process_cpu_usage_ratio', 'CPU time of the process over the last samples, as a share of one core (duressCpuPercent / 100 is its limit)', (r) => r.cpuPercent / 100);
}
