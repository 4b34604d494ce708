// The emulated link: client and server namespaces on one L2 subnet, joined through a router
// namespace (no addresses, no forwarding) where relay.c bridges frames and shapes them.
//
//   h3b-cli-<run>  c0 10.77.0.1/24 ── rc ┐ h3b-rtr-<run> relay ┌ rs ── s0 10.77.0.2/24  h3b-srv-<run>
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { alive, inNs, ip, macOf, removeNamespace, useTcpCongestionControl } from './netns.js';
import { RelayProcess, type RelayCounters, type RelaySettings } from './relay-process.js';

export type { RelayCounters } from './relay-process.js';

export const CLIENT_ADDR = '10.77.0.1';
export const SERVER_ADDR = '10.77.0.2';
const NS_PATTERN = /^h3b-(cli|rtr|srv|ply|rp|edg|ro|org)-(\d+)$/;

/** One link condition; delay and loss apply to each direction (RTT = 2 × one-way delay). */
export type LinkSettings = RelaySettings;

/** What ping saw across the link, next to what the settings predict. */
export interface PingCheck {
  sent: number;
  received: number;
  rttAvgMs: number;
  rttMinMs: number;
  lossPercent: number;
  /** Round-trip loss the per-direction setting implies: 1 − (1 − p)². */
  expectedLossPercent: number;
  rttWithin10Percent: boolean;
  /** Within 10 % of the expectation, or within 3 binomial standard deviations when the ping count is too small for 10 %. */
  lossWithinTolerance: boolean;
}

/** Removes h3b-* namespaces (of a link or an edge chain) whose run (the pid in the name) no longer exists; parallel live runs are left alone. */
export function removeStaleNamespaces(): string[] {
  const names = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  const stale = names.filter((n) => {
    const m = NS_PATTERN.exec(n);
    return m !== null && !alive(Number(m[2]));
  });
  stale.forEach(removeNamespace);
  return stale;
}

/** Compiles relay.c into the work directory (cc -O2); returns the binary's path. */
export function buildRelay(work: string): string {
  const bin = join(work, 'relay');
  mkdirSync(work, { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-o', bin, join(import.meta.dirname, 'relay.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return bin;
}

/**
 * Owns the three namespaces and the relay process of one benchmark run. `create` builds them,
 * `configure` (re)starts the relay with a condition, `destroy` removes everything and is safe to
 * call twice and from a signal handler (synchronous).
 */
export class LinkEmulator {
  readonly cli: string;
  readonly rtr: string;
  readonly srv: string;
  /** What TCP uses in the client and server namespaces (recorded with the results). */
  tcpCongestionControl = '';
  private relay: RelayProcess | undefined;

  private constructor(runId: number, private readonly relayBin: string) {
    this.cli = `h3b-cli-${runId}`;
    this.rtr = `h3b-rtr-${runId}`;
    this.srv = `h3b-srv-${runId}`;
  }

  static create(runId: number, relayBin: string): LinkEmulator {
    const link = new LinkEmulator(runId, relayBin);
    try {
      link.build();
    } catch (err) {
      link.destroy();
      throw err;
    }
    return link;
  }

  private build(): void {
    for (const ns of [this.cli, this.rtr, this.srv]) {
      ip(['netns', 'add', ns]);
      // IPv4 only: no router solicitations or DAD chatter in the measurements.
      inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    inNs(this.rtr, 'sysctl', ['-qw', 'net.ipv4.ip_forward=0']);
    for (const ns of [this.cli, this.srv]) this.tcpCongestionControl = useTcpCongestionControl(ns);
    ip(['-n', this.rtr, 'link', 'add', 'rc', 'type', 'veth', 'peer', 'name', 'c0', 'netns', this.cli]);
    ip(['-n', this.rtr, 'link', 'add', 'rs', 'type', 'veth', 'peer', 'name', 's0', 'netns', this.srv]);
    ip(['-n', this.cli, 'addr', 'add', `${CLIENT_ADDR}/24`, 'dev', 'c0']);
    ip(['-n', this.srv, 'addr', 'add', `${SERVER_ADDR}/24`, 'dev', 's0']);
    // Frames must be whole and checksummed when the relay copies them: no segmentation
    // offloads (frames ≤ MTU) and no checksum offload (a raw copy would carry a partial sum).
    for (const [ns, dev] of [[this.cli, 'c0'], [this.srv, 's0'], [this.rtr, 'rc'], [this.rtr, 'rs']] as const) {
      inNs(ns, 'ethtool', ['-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    ip(['-n', this.rtr, 'link', 'set', 'rc', 'promisc', 'on']);
    ip(['-n', this.rtr, 'link', 'set', 'rs', 'promisc', 'on']);
    // Static neighbours: no ARP round trips inside the measurements.
    ip(['-n', this.cli, 'neigh', 'replace', SERVER_ADDR, 'lladdr', macOf(this.srv, 's0'), 'dev', 'c0', 'nud', 'permanent']);
    ip(['-n', this.srv, 'neigh', 'replace', CLIENT_ADDR, 'lladdr', macOf(this.cli, 'c0'), 'dev', 's0', 'nud', 'permanent']);
  }

  /**
   * Restarts the relay with `s`; the tail-drop queue holds one bandwidth-delay product (at least
   * 64 KiB). With `eventLog` the relay writes every drop and TCP retransmission it sees to that
   * file (read it with link-events.ts once `stopRelay` returned).
   */
  async configure(s: LinkSettings, seed: number, eventLog?: string): Promise<{ queueBytes: number }> {
    await this.stopRelay();
    this.relay = await RelayProcess.start({ rtrNs: this.rtr, relayBin: this.relayBin, devices: ['rc', 'rs'], settings: s, seed, ...(eventLog ? { eventLog } : {}) });
    return { queueBytes: this.relay.queueBytes };
  }

  /** Stops the relay (the link goes dark) and returns its counters. */
  async stopRelay(): Promise<RelayCounters | undefined> {
    const relay = this.relay;
    this.relay = undefined;
    return relay?.stop();
  }

  /** Pings the server from the client namespace (`count` probes, 10 ms apart) and checks the result against `s`. */
  ping(s: LinkSettings, count: number): PingCheck {
    // -W: a reply later than 1 s counts as lost; ping then ends by count, not by a deadline
    // that would cut off replies still in flight.
    const r = spawnSync('ip', ['netns', 'exec', this.cli, 'ping', '-q', '-n', '-c', String(count), '-i', '0.01', '-W', '1', SERVER_ADDR], {
      encoding: 'utf8',
      timeout: 30_000 + count * 20,
    });
    const counts = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(r.stdout);
    if (!counts) throw new Error(`ping failed: ${r.stdout}${r.stderr}`);
    const sent = Number(counts[1]);
    const received = Number(counts[2]);
    const lossPercent = (100 * (sent - received)) / sent;
    const p = s.lossPercent / 100;
    const expected = 1 - (1 - p) ** 2;
    const sigma = Math.sqrt((expected * (1 - expected)) / sent);
    const rttAvgMs = rtt ? Number(rtt[2]) : NaN;
    return {
      sent,
      received,
      rttAvgMs,
      rttMinMs: rtt ? Number(rtt[1]) : NaN,
      lossPercent: Number(lossPercent.toFixed(3)),
      expectedLossPercent: Number((100 * expected).toFixed(3)),
      rttWithin10Percent: Math.abs(rttAvgMs - s.rttMs) <= 0.1 * s.rttMs,
      lossWithinTolerance: Math.abs(lossPercent / 100 - expected) <= Math.max(0.1 * expected, 3 * sigma, 0.5 / sent),
    };
  }

  /** Command prefix that runs a program in the client (or server) namespace. */
  exec(side: 'cli' | 'srv', cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', side === 'cli' ? this.cli : this.srv, cmd, ...args]];
  }

  /** Removes namespaces and every process in them; synchronous so signal handlers can call it. */
  destroy(): void {
    this.relay?.kill();
    this.relay = undefined;
    for (const ns of [this.cli, this.srv, this.rtr]) removeNamespace(ns);
  }
}
