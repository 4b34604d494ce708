import t from 'tap';
import { EventEmitter } from 'node:events';
import { RequestAbort } from '../http/request-signal.js';
import { drained } from './drained.js';

t.test('a drain wait ends when the request is aborted, and leaves no listener on the writable', async (t) => {
  const w = new EventEmitter();
  const a = new RequestAbort();
  const waiting = drained(w as never, a.signal);
  t.equal(w.listenerCount('drain') + w.listenerCount('close'), 2);
  a.abort();
  await waiting;
  t.equal(w.listenerCount('drain') + w.listenerCount('close'), 0);
});
