import type { ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Resolves once the child printed `pattern` (stdout or stderr); rejects if it exits first or takes longer than `limitMs`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${text.slice(-400)}`)), limitMs);
    const onData = (d: Buffer): void => {
      text += d;
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${text.slice(-400)}`));
    });
  });
}

/**
 * Resolves once `file` exists (watched in its directory, so it must exist); rejects if `child`
 * exits first or after `limitMs`. Call before the child can write it.
 */
export function waitForFile(file: string, child: ChildProcess, what: string, limitMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      watcher.close();
      child.off('exit', exited);
      if (err) reject(err);
      else resolve();
    };
    const exited = (code: number | null): void => finish(new Error(`${what} exited (${code}): ${stderr.slice(-400)}`));
    const timer = setTimeout(() => finish(new Error(`${what} did not start within ${limitMs} ms: ${stderr.slice(-400)}`)), limitMs);
    const watcher = watch(dirname(file), (_event, name) => {
      if (name === basename(file) && existsSync(file)) finish();
    });
    child.once('exit', exited);
    if (existsSync(file)) finish();
  });
}

/** Stops the child: SIGTERM, SIGKILL after 5 s. */
export function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/**
 * The port and inspector address a node started with `--inspect=127.0.0.1:0` announced on stderr;
 * rejects if it exits first or takes longer than `limitMs`.
 */
export function announcedWithInspector(child: ChildProcess, limitMs: number): Promise<{ port: number; inspectorUrl: string }> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the node did not start: ${err.slice(-400)}`)), limitMs);
    child.stderr?.on('data', (d) => {
      err += d;
      const port = /localhost:(\d+)\//.exec(err)?.[1];
      const url = /Debugger listening on (ws:\/\/\S+)/.exec(err)?.[1];
      if (port && url) {
        clearTimeout(timer);
        resolve({ port: Number(port), inspectorUrl: url });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the node exited (${code}): ${err.slice(-400)}`));
    });
  });
}
