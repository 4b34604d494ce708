import type { TcpSendState } from '../../native/tcpinfo.js';
import type { RequestSignal } from '../../http/request-signal.js';

/** How far ahead of the wire the kernel is kept supplied: its pacing rate for this long. */
const SUPPLY_AHEAD_MS = 10;
/** Smallest piece worth a write: one full HTTP/2 DATA frame and TLS record. */
export const MIN_PIECE_BYTES = 16 * 1024;
/** Two pieces: one being sent while the next is written, so a low pacing estimate cannot starve the link. */
const MIN_ALLOWANCE_BYTES = 2 * MIN_PIECE_BYTES;
/** Longest wait between two looks at a connection that is sending. */
const MAX_WAIT_MS = 20;
/** Longest wait between two looks at a connection with nothing in flight that sent nothing since the last one (the peer stopped reading). */
const MAX_STALLED_WAIT_MS = 100;

/**
 * Unsent bytes the kernel may hold before a body stops handing it more: enough to keep sending
 * at the pacing rate until the next look, and little more, because everything in it goes out
 * ahead of a response that becomes urgent later (TCP sends in order).
 */
export function unsentAllowanceBytes(s: TcpSendState): number {
  return Math.max(MIN_ALLOWANCE_BYTES, (s.pacingRateBytesPerSec * SUPPLY_AHEAD_MS) / 1000);
}

/** How long until the kernel, at its pacing rate, has sent enough for `budgetBytes` to reach a whole piece (0: it has). */
export function drainWaitMs(s: TcpSendState, budgetBytes: number): number {
  const missing = MIN_PIECE_BYTES - budgetBytes;
  if (missing <= 0) return 0;
  if (s.pacingRateBytesPerSec <= 0) return MAX_WAIT_MS;
  return Math.min(MAX_WAIT_MS, Math.max(1, (missing * 1000) / s.pacingRateBytesPerSec));
}

/** Timers, injectable so tests control time. */
export interface BacklogTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: BacklogTimers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };

/**
 * Keeps the kernel's send queue of one TCP connection short (after h2o's latency-optimised
 * writes, which look at TCP_INFO the same way). Node's http2 session passes every byte a stream
 * writes straight to the socket, and the kernel buffers megabytes: a manifest requested later
 * goes out behind all of it. Worse, while the kernel refuses part of a write, Node's session
 * stops reading the socket, so the manifest's request is not even seen until the queue drains.
 * Bodies wait in `room()` instead, where the send scheduler can still put an urgent response first.
 * Built per connection by the TCP transport; `sendState` returns undefined once the socket is gone.
 */
export class SendBacklog {
  constructor(
    private readonly sendState: () => TcpSendState | undefined,
    private readonly timers: BacklogTimers = REAL_TIMERS,
  ) {}

  /**
   * Resolves with how many bytes may be written now, at least MIN_PIECE_BYTES, once the kernel's
   * unsent bytes leave that much of the allowance; Infinity when TCP cannot be asked or `signal` aborts.
   */
  async room(signal: RequestSignal): Promise<number> {
    let lastNotsent = -1;
    let stalledLooks = 0;
    for (;;) {
      if (signal.aborted) return Infinity;
      const s = this.sendState();
      if (!s) return Infinity;
      const budget = Math.floor(unsentAllowanceBytes(s) - s.notsentBytes);
      const waitMs = drainWaitMs(s, budget);
      if (waitMs === 0) return budget;
      // Nothing in flight and nothing left the queue since the last look: the peer's window is
      // shut, so back off instead of polling it. With packets in flight, ACKs free the way any moment.
      stalledLooks = s.unackedPackets === 0 && s.notsentBytes >= lastNotsent && lastNotsent >= 0 ? stalledLooks + 1 : 0;
      lastNotsent = s.notsentBytes;
      await this.sleep(stalledLooks === 0 ? waitMs : Math.min(MAX_STALLED_WAIT_MS, MAX_WAIT_MS * 2 ** (stalledLooks - 1)), signal);
    }
  }

  private sleep(ms: number, signal: RequestSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.timers.clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.timers.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
