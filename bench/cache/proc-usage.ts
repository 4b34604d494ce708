import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) and resident memory of a process and its children, from /proc. */
export function processUsage(pid: number): { cpuSec: number; rssBytes: number } {
  const ticks = 100; // USER_HZ on Linux
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: utime is 14th overall (index 11 here), stime 12, cutime 13, cstime 14.
  const cpu = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0) / ticks;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSec: cpu, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
}
