import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds (user + system) and resident memory of a process and its children, from /proc:
 * the children that exited (cutime, cstime) and those still running, such as nginx's workers.
 */
export function processUsage(pid: number): { cpuSec: number; rssBytes: number } {
  const ticks = 100; // USER_HZ on Linux
  let cpuTicks = 0;
  let rssBytes = 0;
  for (const p of [pid, ...descendants(pid)]) {
    let stat: string;
    let status: string;
    try {
      stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      status = readFileSync(`/proc/${p}/status`, 'utf8');
    } catch (err) {
      if (p === pid) throw err;
      continue; // a child that exited since it was listed
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: utime is 14th overall (index 11 here), stime 12, cutime 13, cstime 14.
    cpuTicks += [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0);
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    rssBytes += rss ? Number(rss[1]) * 1024 : 0;
  }
  return { cpuSec: cpuTicks / ticks, rssBytes };
}

/** Running descendants of `pid` (from each thread's children list). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean).map(Number)) found.push(child, ...descendants(child));
  }
  return found;
}
