import t from 'tap';
import type { TcpSendState } from '../../native/tcpinfo.js';
import { MIN_PIECE_BYTES, SendBacklog, drainWaitMs, unsentAllowanceBytes, type BacklogTimers } from './send-backlog.js';

const state = (o: Partial<TcpSendState>): TcpSendState => ({ notsentBytes: 0, unackedPackets: 10, cwndPackets: 20, mssBytes: 1448, pacingRateBytesPerSec: 6_250_000, rttUs: 40_000, deliveryRateBytesPerSec: 6_000_000, deliveryRateAppLimited: false, ...o });

/** Timers that fire only when the test says so; `waits` records what was asked for. */
function manualTimers(): BacklogTimers & { waits: number[]; fire(): void } {
  let pending: Array<() => void> = [];
  const waits: number[] = [];
  return {
    waits,
    setTimeout: (fn, ms) => {
      waits.push(ms);
      pending.push(fn);
      return fn;
    },
    clearTimeout: (h) => (pending = pending.filter((f) => f !== h)),
    fire: () => {
      const due = pending;
      pending = [];
      for (const f of due) f();
    },
  };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

t.test('the allowance is the pacing rate for 10 ms, never under two pieces', async (t) => {
  t.equal(unsentAllowanceBytes(state({ pacingRateBytesPerSec: 6_250_000 })), 62_500, '50 Mbit/s → 62.5 kB');
  t.equal(unsentAllowanceBytes(state({ pacingRateBytesPerSec: 100_000 })), 2 * MIN_PIECE_BYTES);
  t.equal(unsentAllowanceBytes(state({ pacingRateBytesPerSec: 0 })), 2 * MIN_PIECE_BYTES, 'no pacing rate reported');
});

t.test('the wait is the time to send what keeps a whole piece out, within 1–20 ms', async (t) => {
  t.equal(drainWaitMs(state({}), MIN_PIECE_BYTES), 0);
  t.equal(drainWaitMs(state({ pacingRateBytesPerSec: 1_000_000 }), MIN_PIECE_BYTES - 5000), 5);
  t.equal(drainWaitMs(state({ pacingRateBytesPerSec: 1e9 }), 0), 1);
  t.equal(drainWaitMs(state({ pacingRateBytesPerSec: 1000 }), 0), 20);
  t.equal(drainWaitMs(state({ pacingRateBytesPerSec: 0 }), 0), 20);
});

t.test('room() gives what is left of the allowance at once, and waits while the kernel holds more', async (t) => {
  let s = state({ notsentBytes: 10_000 });
  const timers = manualTimers();
  const backlog = new SendBacklog(() => s, timers);
  t.equal(await backlog.room(new AbortController().signal), 52_500, 'allowance 62.5 kB minus 10 kB unsent');

  s = state({ notsentBytes: 60_000 });
  let given: number | undefined;
  void backlog.room(new AbortController().signal).then((n) => (given = n));
  await settle();
  t.equal(given, undefined, 'less than a piece of room: waits');
  t.same(timers.waits, [(MIN_PIECE_BYTES - 2500) / 6250], 'for as long as the kernel needs to send the missing 13.9 kB at 6.25 MB/s');
  s = state({ notsentBytes: 20_000 });
  timers.fire();
  await settle();
  t.equal(given, 42_500, 'looks again and hands out the room there is');
});

t.test('room() backs off on a peer that stopped reading, not on one with packets in flight', async (t) => {
  const timers = manualTimers();
  let s = state({ notsentBytes: 200_000, unackedPackets: 0 });
  const backlog = new SendBacklog(() => s, timers);
  void backlog.room(new AbortController().signal);
  for (let i = 0; i < 6; i++) {
    await settle();
    timers.fire();
  }
  t.same(timers.waits.slice(0, 6), [20, 20, 40, 80, 100, 100], 'nothing in flight, nothing leaving: 20 ms doubling to 100 ms');
  s = state({ notsentBytes: 200_000, unackedPackets: 30 });
  timers.waits.length = 0;
  for (let i = 0; i < 3; i++) {
    await settle();
    timers.fire();
  }
  t.same(timers.waits.slice(0, 3), [20, 20, 20], 'packets in flight: ACKs may free the way any moment');
});

t.test('room() does not wait when TCP cannot be asked or the response is aborted', async (t) => {
  t.equal(await new SendBacklog(() => undefined).room(new AbortController().signal), Infinity, 'socket gone');
  const timers = manualTimers();
  const backlog = new SendBacklog(() => state({ notsentBytes: 1_000_000 }), timers);
  const aborts = new AbortController();
  const given = backlog.room(aborts.signal);
  await settle();
  aborts.abort();
  t.equal(await given, Infinity, 'abort ends the wait');
});
