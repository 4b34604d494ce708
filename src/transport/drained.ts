import type { RequestSignal } from '../http/request-signal.js';

/** A writable as the sinks use it: its 'drain' and 'close' events. */
export interface DrainSource {
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/** Resolves at the writable's next 'drain' or 'close', or when `signal` aborts, whichever comes first; leaves no listener behind. */
export function drained(w: DrainSource, signal: RequestSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    w.once('drain', done);
    w.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
