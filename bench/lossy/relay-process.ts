// One relay.c process bridging two interfaces of a router namespace with a link condition.
import { spawn, type ChildProcess } from 'node:child_process';

/** One link condition; delay and loss apply to each direction (RTT = 2 × one-way delay). */
export interface RelaySettings {
  rttMs: number;
  /** Per-frame drop probability of each direction, in percent. */
  lossPercent: number;
  rateMbitPerSec: number;
}

/** Frame counters relay.c printed when it stopped (first device → second is aToB). */
export interface RelayCounters {
  aToB: Record<string, number>;
  bToA: Record<string, number>;
  /** Lines written to the event log, and events past its bound (only counted); absent without a log. */
  eventsLogged?: number;
  eventsUnlogged?: number;
}

export interface RelayStart {
  rtrNs: string;
  relayBin: string;
  /** The two router-side devices it bridges (frames from the first go to the second and back). */
  devices: [string, string];
  settings: RelaySettings;
  seed: number;
  /** relay.c writes every drop and TCP retransmission it sees here (read with link-events.ts once stopped). */
  eventLog?: string;
}

/**
 * A running relay: started with its condition, stopped for its counters. The tail-drop queue
 * holds one bandwidth-delay product (at least 64 KiB).
 */
export class RelayProcess {
  private out = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly queueBytes: number,
  ) {
    child.stdout?.on('data', (d) => (this.out += d));
  }

  /** Resolves once relay.c says it is ready; rejects if it exits or stays silent for 5 s. */
  static async start(r: RelayStart): Promise<RelayProcess> {
    const s = r.settings;
    const rateBps = Math.round(s.rateMbitPerSec * 1e6);
    const queueBytes = Math.max(64 * 1024, Math.round((rateBps * s.rttMs) / 1000 / 8));
    const oneWayUs = String(Math.round((s.rttMs * 1000) / 2));
    const args = [...r.devices, oneWayUs, oneWayUs, String(Math.round(s.lossPercent * 10_000)), String(rateBps), String(queueBytes), String(r.seed)];
    if (r.eventLog) args.push(r.eventLog);
    const child = spawn('ip', ['netns', 'exec', r.rtrNs, r.relayBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = new RelayProcess(child, queueBytes);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`relay did not start: ${err}`)), 5000);
      child.stderr?.on('data', (d) => {
        err += d;
        if (err.includes('relay: ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`relay exited (${code}): ${err}`));
      });
    });
    return relay;
  }

  /** Stops it (the link goes dark) and returns its counters. */
  async stop(): Promise<RelayCounters | undefined> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    try {
      return JSON.parse(this.out) as RelayCounters;
    } catch {
      return undefined;
    }
  }

  /** Synchronous, for signal handlers. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
