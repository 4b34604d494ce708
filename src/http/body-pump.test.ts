import t from 'tap';
import type { Completion, ResponseSink } from './exchange.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import { pumpBody } from './body-pump.js';
import type { RequestSignal } from './request-signal.js';

/** A sink that records what it is given; it never pushes back. `room` answers how much it takes. */
function recordingSink(opts: { room?: (signal: RequestSignal) => Promise<number>; wholeBodies?: boolean } = {}): ResponseSink & { writes: Buffer[]; ends: Array<Buffer | undefined>; resets: number } {
  const writes: Buffer[] = [];
  const ends: Array<Buffer | undefined> = [];
  let resets = 0;
  return {
    writes,
    ends,
    get resets() {
      return resets;
    },
    wholeBodies: opts.wholeBodies ?? false,
    room: opts.room,
    head: () => {},
    write: (chunk) => (writes.push(Buffer.from(chunk)), true),
    drain: async () => {},
    end: (last) => void ends.push(last),
    flushed: async () => {},
    reset: () => void resets++,
    finished: new Promise<Completion>(() => {}),
  };
}

const anyTurn = (): ScheduledStream => ({ ready: async () => {}, idle: () => {}, reprioritize: () => {}, done: () => {} });

t.test('a sliced body is written in pieces no larger than the room, asked for before each', async (t) => {
  const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const asked: number[] = [];
  const sink = recordingSink({ room: async () => (asked.push(asked.length), 20_000) });
  const sent = await pumpBody(body, sink, new AbortController().signal, anyTurn());
  t.equal(sent, body.length);
  t.ok(sink.writes.every((w) => w.length <= 20_000), `pieces of at most 20000 bytes (${sink.writes.map((w) => w.length).join(' ')})`);
  t.equal(asked.length, sink.writes.length, 'the room was asked before every piece');
  t.ok(Buffer.concat(sink.writes).equals(body), 'bytes in order, none lost');
  t.same(sink.ends, [undefined], 'ended once after the pieces');
});

t.test('a body that fits one slice is written whole without asking the room (urgent small responses never wait)', async (t) => {
  let asked = 0;
  const sink = recordingSink({ room: async () => (asked++, 1) });
  await pumpBody(Buffer.alloc(30_000, 1), sink, new AbortController().signal, anyTurn());
  t.equal(asked, 0);
  t.same(sink.writes, []);
  t.same(sink.ends.map((b) => b?.length), [30_000], 'handed over with the end');
});

t.test('a sink that takes whole bodies gets a large Buffer in one call, unsliced (zero copy)', async (t) => {
  const body = Buffer.alloc(5_000_000, 2);
  const sink = recordingSink({ wholeBodies: true });
  await pumpBody(body, sink, new AbortController().signal, anyTurn());
  t.same(sink.writes, []);
  t.equal(sink.ends[0], body, 'the very Buffer, not a copy');
});

t.test('an abort while waiting for room writes nothing more and does not end', async (t) => {
  const aborts = new AbortController();
  let release: (n: number) => void = () => {};
  const sink = recordingSink({ room: () => new Promise((r) => (release = r)) });
  const sent = pumpBody(Buffer.alloc(200_000), sink, aborts.signal, anyTurn());
  await new Promise((r) => setImmediate(r));
  aborts.abort();
  release(Infinity);
  t.equal(await sent, 0);
  t.same(sink.writes, []);
  t.same(sink.ends, []);
});

t.test('a body of several slices read from a mapping that changed is not ended: BodyChanged', async (t) => {
  const sink = recordingSink();
  await t.rejects(pumpBody(Buffer.alloc(200_000), sink, new AbortController().signal, undefined, () => false), { name: 'BodyChanged' });
  t.same(sink.ends, [], 'never ended as if complete');
  const fine = recordingSink();
  await pumpBody(Buffer.alloc(200_000), fine, new AbortController().signal, undefined, () => true);
  t.equal(fine.ends.length, 1);
  let asked = 0;
  const small = recordingSink();
  await pumpBody(Buffer.alloc(1000), small, new AbortController().signal, undefined, () => (asked++, false));
  t.equal(asked, 0, 'one slice leaves in a single write, unchecked');
});
