import { spawn, type SpawnOptions } from 'node:child_process';
import { LogWatch, type LogLine, type LogMatch } from './log-watch.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion with a hard time limit (the child is killed past it). */
export function run(cmd: string, args: string[], opts: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin?.end(opts.input ?? '');
  });
}

/** Command line that runs the h3edge CLI from source (what `bin/h3edge.js` runs once built). */
export const H3EDGE = ['--import', 'tsx', new URL('../../src/cli/run.ts', import.meta.url).pathname];

/** A `h3edge serve` process started for a test, with its port and what it printed so far. */
export interface ServeProcess {
  child: import('node:child_process').ChildProcessByStdio<null, import('node:stream').Readable, import('node:stream').Readable>;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Log lines (JSON on stdout, every worker's) parsed so far. */
  logs(): LogLine[];
  /**
   * Resolves with the first `count` log lines that match, as soon as the process writes them;
   * rejects after `limitMs`, or at once if the process exits without them.
   */
  logged(match: LogMatch, count?: number, limitMs?: number): Promise<LogLine[]>;
  /** Resolves with the first matching log line written after the call (same limits). */
  nextLog(match: LogMatch, limitMs?: number): Promise<LogLine>;
}

/**
 * Spawns `h3edge serve …args` and resolves once it announced its port. The process is killed
 * with SIGKILL after `limitMs` whatever happens, so no test can leave it behind.
 */
export async function spawnServe(args: string[], limitMs = 90_000, env: NodeJS.ProcessEnv = process.env): Promise<ServeProcess> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...H3EDGE, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  child.once('exit', () => clearTimeout(killer));
  let out = '';
  let err = '';
  const watch = new LogWatch();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    watch.feed(d);
  });
  // 'close': after the exit and the last of its output.
  child.once('close', (code, signal) => watch.end(`the server exited (${signal ?? code})`));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /localhost:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server exited early: ${err}`)));
  });
  return {
    child,
    port,
    stdout: () => out,
    stderr: () => err,
    logs: () => watch.lines,
    logged: watch.logged.bind(watch),
    nextLog: watch.nextLog.bind(watch),
  };
}
