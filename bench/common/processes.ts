import type { ChildProcess } from 'node:child_process';

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
