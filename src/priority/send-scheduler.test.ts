import t from 'tap';
import { SendScheduler } from './send-scheduler.js';

const settle = () => new Promise((r) => setImmediate(r));

t.test('a more urgent stream with data holds back less urgent ones', async (t) => {
  const s = new SendScheduler();
  const bulk = s.open({ urgency: 3, incremental: false });
  const manifest = s.open({ urgency: 0, incremental: false });
  await manifest.ready();
  let bulkWrote = false;
  void bulk.ready().then(() => (bulkWrote = true));
  await settle();
  t.notOk(bulkWrote, 'bulk waits while the manifest has data');
  manifest.done();
  await settle();
  t.ok(bulkWrote, 'bulk proceeds once the manifest is done');
});

t.test('a stream waiting on its source does not block others', async (t) => {
  const s = new SendScheduler();
  const urgent = s.open({ urgency: 0, incremental: false });
  const bulk = s.open({ urgency: 3, incremental: false });
  await urgent.ready();
  urgent.idle();
  let wrote = false;
  await bulk.ready().then(() => (wrote = true));
  t.ok(wrote);
});

t.test('non-incremental streams of one level go in request order; incremental ones share', async (t) => {
  const s = new SendScheduler();
  const a = s.open({ urgency: 3, incremental: false });
  const b = s.open({ urgency: 3, incremental: false });
  await a.ready();
  let bWrote = false;
  void b.ready().then(() => (bWrote = true));
  await settle();
  t.notOk(bWrote, 'second waits for the first');
  a.done();
  await settle();
  t.ok(bWrote);
  const s2 = new SendScheduler();
  const x = s2.open({ urgency: 5, incremental: true });
  const y = s2.open({ urgency: 5, incremental: true });
  await x.ready();
  await y.ready();
  t.pass('incremental streams of one level write concurrently');
});

t.test('reprioritize takes effect for waiting streams', async (t) => {
  const s = new SendScheduler();
  const bulk = s.open({ urgency: 3, incremental: false });
  const late = s.open({ urgency: 7, incremental: true });
  await bulk.ready();
  let lateWrote = false;
  void late.ready().then(() => (lateWrote = true));
  await settle();
  t.notOk(lateWrote);
  late.reprioritize({ urgency: 1, incremental: false });
  await settle();
  t.ok(lateWrote, 'raised above the bulk stream, it may write');
});
