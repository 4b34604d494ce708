// Network-namespace plumbing shared by the emulated links (link.ts, the edge chain): root only.
import { execFileSync, spawnSync } from 'node:child_process';

/**
 * TCP congestion control tried, in order, in the client and server namespaces. h3edge's QUIC
 * connections use BBRv2 by default, so HTTP/2 gets the kernel's BBR: the comparison is then
 * between transports of one congestion-control family, not BBR against a loss-based controller
 * (which reacts to random loss very differently). A namespace may only pick what the host allows
 * (net.ipv4.tcp_allowed_congestion_control), hence the fallbacks; the report says what ran.
 */
const TCP_CONGESTION_CONTROLS = ['bbr', 'cubic', 'reno'];

export function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function inNs(ns: string, cmd: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Sets the first accepted of TCP_CONGESTION_CONTROLS in `ns`; returns what TCP there uses. */
export function useTcpCongestionControl(ns: string): string {
  for (const cc of TCP_CONGESTION_CONTROLS) {
    if (spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.tcp_congestion_control=${cc}`], { stdio: 'ignore' }).status === 0) return cc;
  }
  return execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.tcp_congestion_control'], { encoding: 'utf8' }).trim();
}

export function macOf(ns: string, dev: string): string {
  const out = execFileSync('ip', ['-n', ns, '-o', 'link', 'show', dev], { encoding: 'utf8' });
  const m = /link\/ether ([0-9a-f:]{17})/.exec(out);
  if (!m) throw new Error(`no MAC address on ${dev} in ${ns}`);
  return m[1] as string;
}

/** Kills every process inside a namespace and deletes it; a namespace is not gone while processes hold it. */
export function removeNamespace(ns: string): void {
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

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

