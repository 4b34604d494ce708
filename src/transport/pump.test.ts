import t from 'tap';
import { Writable } from 'node:stream';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import { pumpBody, type SendRoom } from './pump.js';

/** A sink that records every write; it never pushes back. */
function recordingSink(): { sink: Writable; writes: Buffer[]; ended: Promise<void> } {
  const writes: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _enc, cb) {
      writes.push(chunk);
      cb();
    },
  });
  return { sink, writes, ended: new Promise((r) => sink.once('finish', () => r())) };
}

const anyTurn = (): ScheduledStream => ({ ready: async () => {}, idle: () => {}, reprioritize: () => {}, done: () => {} });

t.test('a sliced body is written in pieces no larger than the room, asked for before each', async (t) => {
  const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const asked: number[] = [];
  const room: SendRoom = { room: async () => (asked.push(asked.length), 20_000) };
  const { sink, writes, ended } = recordingSink();
  const sent = await pumpBody(body, sink, new AbortController().signal, anyTurn(), room);
  await ended;
  t.equal(sent, body.length);
  t.ok(writes.every((w) => w.length <= 20_000), `pieces of at most 20000 bytes (${writes.map((w) => w.length).join(' ')})`);
  t.equal(asked.length, writes.length, 'the room was asked before every piece');
  t.ok(Buffer.concat(writes).equals(body), 'bytes in order, none lost');
});

t.test('a body that fits one slice is written whole without asking the room (urgent small responses never wait)', async (t) => {
  let asked = 0;
  const room: SendRoom = { room: async () => (asked++, 1) };
  const { sink, writes, ended } = recordingSink();
  await pumpBody(Buffer.alloc(30_000, 1), sink, new AbortController().signal, anyTurn(), room);
  await ended;
  t.equal(asked, 0);
  t.same(writes.map((w) => w.length), [30_000]);
});

t.test('an abort while waiting for room writes nothing more', async (t) => {
  const aborts = new AbortController();
  let release: (n: number) => void = () => {};
  const room: SendRoom = { room: () => new Promise((r) => (release = r)) };
  const { sink, writes } = recordingSink();
  const sent = pumpBody(Buffer.alloc(200_000), sink, aborts.signal, anyTurn(), room);
  await new Promise((r) => setImmediate(r));
  aborts.abort();
  release(Infinity);
  t.equal(await sent, 0);
  t.same(writes, []);
});
