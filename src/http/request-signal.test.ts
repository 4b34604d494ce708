import t from 'tap';
import { RequestAbort } from './request-signal.js';

t.test('abort calls each listener once, skips removed ones, and forgets them', (t) => {
  const a = new RequestAbort();
  const calls: string[] = [];
  const kept = (): void => void calls.push('kept');
  const removed = (): void => void calls.push('removed');
  a.signal.addEventListener('abort', kept);
  a.signal.addEventListener('abort', removed);
  a.signal.removeEventListener('abort', removed);
  t.notOk(a.signal.aborted);
  a.abort();
  a.abort();
  t.ok(a.signal.aborted);
  t.same(calls, ['kept'], 'the kept listener ran once, the removed one never');
  a.signal.addEventListener('abort', kept);
  t.same(calls, ['kept'], 'a listener added after the abort is not called (as with AbortSignal)');
  t.end();
});
