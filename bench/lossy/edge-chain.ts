// Two emulated links in a row: a player, its edge, and the edge's origin, each in its own
// namespace, with a router namespace between each pair where relay.c shapes the frames.
//
//   h3b-ply  p0 10.78.0.1 ── rp0 ┐ h3b-rp relay ┌ rp1 ── e0 10.78.0.2  h3b-edg  e1 10.79.0.1 ── ro0 ┐ h3b-ro relay ┌ ro1 ── o0 10.79.0.2  h3b-org
//
// Names end in the run's pid, so removeStaleNamespaces (link.ts) clears what a killed run left.
import { inNs, ip, macOf, removeNamespace, useTcpCongestionControl } from './netns.js';
import { RelayProcess, type RelayCounters, type RelaySettings } from './relay-process.js';

export const PLAYER_ADDR = '10.78.0.1';
export const EDGE_ADDR = '10.78.0.2';
export const EDGE_UPSTREAM_ADDR = '10.79.0.1';
export const ORIGIN_ADDR = '10.79.0.2';

/** One hop: an endpoint device on each side of a router namespace. */
interface Hop {
  router: string;
  left: { ns: string; dev: string; addr: string; routerDev: string };
  right: { ns: string; dev: string; addr: string; routerDev: string };
}

/**
 * Owns the five namespaces and two relays of one edge benchmark run. `create` builds them,
 * `configure` (re)starts both relays, `destroy` removes everything and is safe to call twice and
 * from a signal handler (synchronous).
 */
export class EdgeChain {
  readonly player: string;
  readonly edge: string;
  readonly origin: string;
  private readonly hops: [Hop, Hop];
  /** What TCP uses in the endpoint namespaces (recorded with the results). */
  tcpCongestionControl = '';
  private relays: RelayProcess[] = [];

  private constructor(runId: number, private readonly relayBin: string) {
    this.player = `h3b-ply-${runId}`;
    this.edge = `h3b-edg-${runId}`;
    this.origin = `h3b-org-${runId}`;
    this.hops = [
      { router: `h3b-rp-${runId}`, left: { ns: this.player, dev: 'p0', addr: PLAYER_ADDR, routerDev: 'rp0' }, right: { ns: this.edge, dev: 'e0', addr: EDGE_ADDR, routerDev: 'rp1' } },
      { router: `h3b-ro-${runId}`, left: { ns: this.edge, dev: 'e1', addr: EDGE_UPSTREAM_ADDR, routerDev: 'ro0' }, right: { ns: this.origin, dev: 'o0', addr: ORIGIN_ADDR, routerDev: 'ro1' } },
    ];
  }

  static create(runId: number, relayBin: string): EdgeChain {
    const chain = new EdgeChain(runId, relayBin);
    try {
      chain.build();
    } catch (err) {
      chain.destroy();
      throw err;
    }
    return chain;
  }

  private namespaces(): string[] {
    return [this.player, this.edge, this.origin, ...this.hops.map((h) => h.router)];
  }

  private build(): void {
    for (const ns of this.namespaces()) {
      ip(['netns', 'add', ns]);
      inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    for (const ns of [this.player, this.edge, this.origin]) this.tcpCongestionControl = useTcpCongestionControl(ns);
    for (const hop of this.hops) {
      inNs(hop.router, 'sysctl', ['-qw', 'net.ipv4.ip_forward=0']);
      for (const end of [hop.left, hop.right]) {
        ip(['-n', hop.router, 'link', 'add', end.routerDev, 'type', 'veth', 'peer', 'name', end.dev, 'netns', end.ns]);
        ip(['-n', end.ns, 'addr', 'add', `${end.addr}/24`, 'dev', end.dev]);
        // Whole, checksummed frames for the relay to copy (see link.ts).
        for (const [ns, dev] of [[end.ns, end.dev], [hop.router, end.routerDev]] as const) {
          inNs(ns, 'ethtool', ['-K', dev, 'tx', 'off', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
          ip(['-n', ns, 'link', 'set', dev, 'up']);
        }
        ip(['-n', hop.router, 'link', 'set', end.routerDev, 'promisc', 'on']);
      }
      ip(['-n', hop.left.ns, 'neigh', 'replace', hop.right.addr, 'lladdr', macOf(hop.right.ns, hop.right.dev), 'dev', hop.left.dev, 'nud', 'permanent']);
      ip(['-n', hop.right.ns, 'neigh', 'replace', hop.left.addr, 'lladdr', macOf(hop.left.ns, hop.left.dev), 'dev', hop.right.dev, 'nud', 'permanent']);
    }
  }

  /** (Re)starts both relays: `playerSide` between player and edge, `originSide` between edge and origin. */
  async configure(playerSide: RelaySettings, originSide: RelaySettings, seed: number): Promise<void> {
    await this.stopRelays();
    for (const [hop, settings] of [[this.hops[0], playerSide], [this.hops[1], originSide]] as const) {
      this.relays.push(await RelayProcess.start({ rtrNs: hop.router, relayBin: this.relayBin, devices: [hop.left.routerDev, hop.right.routerDev], settings, seed }));
    }
  }

  /** Stops both relays; their counters, player side first. */
  async stopRelays(): Promise<Array<RelayCounters | undefined>> {
    const relays = this.relays;
    this.relays = [];
    return Promise.all(relays.map((r) => r.stop()));
  }

  /** Command prefix that runs a program in one of the endpoint namespaces. */
  exec(ns: 'player' | 'edge' | 'origin', cmd: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this[ns], cmd, ...args]];
  }

  /** Removes namespaces and every process in them; synchronous so signal handlers can call it. */
  destroy(): void {
    for (const r of this.relays) r.kill();
    this.relays = [];
    for (const ns of this.namespaces()) removeNamespace(ns);
  }
}
