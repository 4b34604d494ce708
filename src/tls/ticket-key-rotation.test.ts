import t from 'tap';
import { TicketKeyRotation, type RotationTimers } from './ticket-key-rotation.js';
import { decodeTicketKeySet, encodeTicketKeySet, type TicketKeySet } from './ticket-keys.js';

/** Timers that fire only when the test says so. */
function manualTimers(): RotationTimers & { pending: Array<{ fn: () => void; ms: number }>; fire(): void } {
  const pending: Array<{ fn: () => void; ms: number }> = [];
  return {
    pending,
    setTimeout: (fn, ms) => {
      const entry = { fn, ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const i = pending.indexOf(handle as { fn: () => void; ms: number });
      if (i >= 0) pending.splice(i, 1);
    },
    fire() {
      const next = pending.shift();
      next?.fn();
    },
  };
}

let counter = 0;
const numbered = (n: number): Buffer => Buffer.alloc(n, ++counter);

t.test('each rotation makes the current keys the previous ones and drops the older ones', async (t) => {
  const rotated: TicketKeySet[] = [];
  const rotation = new TicketKeyRotation({ everyMs: 0, onRotate: (k) => rotated.push(k), random: numbered });
  const first = rotation.keys;
  t.equal(first.generation, 1);
  t.same([first.tcp.previous, first.quic.previous], [null, null], 'nothing to accept besides the first keys');
  const second = rotation.rotate();
  t.equal(second.generation, 2);
  t.ok(second.tcp.previous?.equals(first.tcp.current) && second.quic.previous?.equals(first.quic.current), 'first keys still accepted');
  t.notOk(second.tcp.current.equals(first.tcp.current), 'new tickets under a new key');
  const third = rotation.rotate();
  t.ok(third.tcp.previous?.equals(second.tcp.current), 'second keys accepted');
  t.notOk([third.tcp.current, third.tcp.previous].some((k) => k?.equals(first.tcp.current)), 'first keys gone');
  t.same(rotated.map((k) => k.generation), [2, 3], 'every new set is handed on');
});

t.test('the timer rotates once per period and a manual rotation restarts the period', async (t) => {
  const timers = manualTimers();
  const rotated: number[] = [];
  const rotation = new TicketKeyRotation({ everyMs: 1000, onRotate: (k) => rotated.push(k.generation), random: numbered, timers });
  t.equal(timers.pending.length, 0, 'nothing scheduled before start');
  rotation.start();
  t.same(timers.pending.map((p) => p.ms), [1000]);
  timers.fire();
  t.same(rotated, [2], 'the period elapsed: rotated');
  t.equal(timers.pending.length, 1, 'next period scheduled');
  rotation.rotate();
  t.same(rotated, [2, 3]);
  t.equal(timers.pending.length, 1, 'the SIGHUP rotation replaced the pending timer instead of adding one');
  rotation.stop();
  t.equal(timers.pending.length, 0, 'stop clears the timer');
  rotation.rotate();
  t.equal(timers.pending.length, 0, 'a stopped rotation schedules nothing');
});

t.test('everyMs 0: rotations only on demand', async (t) => {
  const timers = manualTimers();
  const rotation = new TicketKeyRotation({ everyMs: 0, onRotate: () => {}, random: numbered, timers });
  rotation.start();
  rotation.rotate();
  t.equal(timers.pending.length, 0);
});

t.test('a key set survives the trip to a worker; a damaged one is refused', async (t) => {
  const rotation = new TicketKeyRotation({ everyMs: 0, onRotate: () => {} });
  const first = rotation.keys;
  t.same(decodeTicketKeySet(encodeTicketKeySet(first)), first, 'without previous keys');
  const second = rotation.rotate();
  t.same(decodeTicketKeySet(encodeTicketKeySet(second)), second, 'with previous keys');
  const text = encodeTicketKeySet(second);
  t.equal(decodeTicketKeySet(text.slice(0, -8)), undefined, 'truncated');
  t.equal(decodeTicketKeySet(`0${text.slice(1)}`), undefined, 'generation 0');
  t.equal(decodeTicketKeySet(text.split('.').slice(0, 3).join('.')), undefined, 'missing parts');
  t.equal(decodeTicketKeySet(42), undefined, 'not a string');
});
