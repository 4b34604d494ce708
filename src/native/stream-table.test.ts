import t from 'tap';
import { StreamTable } from './stream-table.js';

t.test('values by connection and stream; a connection without streams is forgotten', async (t) => {
  const table = new StreamTable<string>();
  table.set(1, 0, 'a');
  table.set(1, 4, 'b');
  table.set(2, 0, 'c');
  table.set(1, 4, 'b2');
  t.equal(table.size, 3, 'a value set again is counted once');
  t.equal(table.get(1, 4), 'b2');
  t.equal(table.get(2, 4), undefined);
  t.equal(table.take(1, 0), 'a');
  t.equal(table.take(1, 0), undefined, 'taken once');
  t.equal(table.take(1, 4), 'b2');
  t.equal(table.size, 1);
  t.equal((table as unknown as { byConnection: Map<number, unknown> }).byConnection.size, 1, 'connection 1 forgotten with its last stream');
});
