// The emulated link: client and server namespaces on one L2 subnet, joined through a router
// namespace (no addresses, no forwarding) where relay.c bridges frames and shapes them.
//
//   h3b-cli-<run>  c0 10.77.0.1/24 ── rc ┐ h3b-rtr-<run> relay ┌ rs ── s0 10.77.0.2/24  h3b-srv-<run>
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const CLIENT_ADDR = '10.77.0.1';
export const SERVER_ADDR = '10.77.0.2';
const NS_PATTERN = /^h3b-(cli|rtr|srv)-(\d+)$/;
/**
 * TCP congestion control tried, in order, in the client and server namespaces. h3edge's QUIC
 * connections use BBRv2 by default, so HTTP/2 gets the kernel's BBR: the comparison is then
 * between transports of one congestion-control family, not BBR against a loss-based controller
 * (which reacts to random loss very differently). A namespace may only pick what the host allows
 * (net.ipv4.tcp_allowed_congestion_control), hence the fallbacks; the report says what ran.
 */
const TCP_CONGESTION_CONTROLS = ['bbr', 'cubic', 'reno'];

/** One link condition; delay and loss apply to each direction (RTT = 2 × one-way delay). */
export interface LinkSettings {
  rttMs: number;
  /** Per-frame drop probability of each direction, in percent. */
  lossPercent: number;
  rateMbitPerSec: number;
}

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

/** Frame counters relay.c printed when it stopped (cli→srv is aToB). */
export interface RelayCounters {
  aToB: Record<string, number>;
  bToA: Record<string, number>;
  /** Lines written to the event log, and events past its bound (only counted); absent without a log. */
  eventsLogged?: number;
  eventsUnlogged?: number;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, cmd: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Sets the first accepted of TCP_CONGESTION_CONTROLS in `ns`; returns what TCP there uses. */
function useTcpCongestionControl(ns: string): string {
  for (const cc of TCP_CONGESTION_CONTROLS) {
    if (spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.tcp_congestion_control=${cc}`], { stdio: 'ignore' }).status === 0) return cc;
  }
  return execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.tcp_congestion_control'], { encoding: 'utf8' }).trim();
}

function macOf(ns: string, dev: string): string {
  const out = execFileSync('ip', ['-n', ns, '-o', 'link', 'show', dev], { encoding: 'utf8' });
  const m = /link\/ether ([0-9a-f:]{17})/.exec(out);
  if (!m) throw new Error(`no MAC address on ${dev} in ${ns}`);
  return m[1] as string;
}

/** Kills every process inside a namespace and deletes it; a namespace is not gone while processes hold it. */
function removeNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes h3b-* namespaces whose run (the pid in the name) no longer exists; parallel live runs are left alone. */
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
  private relay: ChildProcess | undefined;
  private relayOut = '';

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
    const rateBps = Math.round(s.rateMbitPerSec * 1e6);
    const queueBytes = Math.max(64 * 1024, Math.round((rateBps * s.rttMs) / 1000 / 8));
    const oneWayUs = String(Math.round((s.rttMs * 1000) / 2));
    const args = ['rc', 'rs', oneWayUs, oneWayUs, String(Math.round(s.lossPercent * 10_000)), String(rateBps), String(queueBytes), String(seed)];
    if (eventLog) args.push(eventLog);
    const child = spawn('ip', ['netns', 'exec', this.rtr, this.relayBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.relay = child;
    this.relayOut = '';
    child.stdout.on('data', (d) => (this.relayOut += d));
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`relay did not start: ${err}`)), 5000);
      child.stderr.on('data', (d) => {
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
    return { queueBytes };
  }

  /** Stops the relay (the link goes dark) and returns its counters. */
  async stopRelay(): Promise<RelayCounters | undefined> {
    const child = this.relay;
    if (!child) return undefined;
    this.relay = undefined;
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    try {
      return JSON.parse(this.relayOut) as RelayCounters;
    } catch {
      return undefined;
    }
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
    this.relay?.kill('SIGKILL');
    this.relay = undefined;
    for (const ns of [this.cli, this.srv, this.rtr]) removeNamespace(ns);
  }
}
