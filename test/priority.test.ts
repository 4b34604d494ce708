import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient, type SimpleResponse } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { getFieldSection, rawH3 } from './helpers/raw-h3.js';

// RFC 9218 on one connection: a manifest (server default u=0) overtakes 4 bulk segment
// downloads (u=3); the same manifest marked u=7 by the client waits behind them.
const BULK = 4;
const BULK_BYTES = 24 * 1024 * 1024;
const media = makeTestMedia();
for (let i = 0; i < BULK; i++) writeFileSync(join(media.dir, `demo/v/seg-${100 + i}.m4s`), randomBytes(BULK_BYTES));
const UPDATE_BYTES = 4 * 1024 * 1024;
for (const n of [200, 201]) writeFileSync(join(media.dir, `demo/v/seg-${n}.m4s`), randomBytes(UPDATE_BYTES));
const server = await startTestServer({ media: media.dir, logLevel: 'info' });
t.teardown(() => server.close());

/** The priority on the `nth` (from 1) h3 access line of `path`; a line follows its stream's close. */
async function loggedPriority(path: string, nth: number): Promise<unknown> {
  const lines = await server.logged((l) => l.msg === 'access' && l.transport === 'h3' && l.path === path, nth);
  return lines[nth - 1]?.priority;
}

interface Finished {
  name: string;
  res: SimpleResponse;
}

async function manifestUnderLoad(client: ProtocolClient, manifestHeaders: Record<string, string>): Promise<{ order: string[]; manifest: SimpleResponse }> {
  const order: string[] = [];
  const track = (name: string, p: Promise<SimpleResponse>): Promise<Finished> =>
    p.then((res) => {
      order.push(name);
      return { name, res };
    });
  let underWay: () => void = () => {};
  const firstHead = new Promise<void>((resolve) => (underWay = resolve));
  const onHeaders = (): void => underWay();
  const bulks = Array.from({ length: BULK }, (_, i) => track(`bulk${i}`, client.request(`/content/demo/v/seg-${100 + i}.m4s`, { onHeaders })));
  // The bulk responses are under way (the first head arrived; nghttp3 sends a stream's head in
  // its scheduling turn, so the others may still wait) before the manifest is asked for.
  await firstHead;
  const manifest = await track('manifest', client.request('/content/demo/master.m3u8', { headers: manifestHeaders }));
  const done = await Promise.all(bulks);
  for (const d of done) if (d.res.body.length !== BULK_BYTES) throw new Error(`${d.name} short: ${d.res.body.length}`);
  return { order, manifest: manifest.res };
}

// Client windows larger than every bulk body: a bulk stream never waits for flow-control credit,
// so the order shows the server's scheduling alone (a blocked stream lets the next one send).
const WINDOW_BYTES = 2 * BULK_BYTES;
const clients = {
  h2: (origin: string, ca: Buffer) => h2Client(origin, ca, { streamWindowBytes: WINDOW_BYTES }),
  h3: (origin: string, ca: Buffer) => h3Client(origin, ca, { streamWindowBytes: WINDOW_BYTES }),
};
for (const [proto, connect] of Object.entries(clients)) {
  t.test(`${proto}: manifest overtakes bulk segments; u=7 waits behind them`, async (t) => {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const idle = await client.request('/content/demo/master.m3u8');
    const idleTtfbMs = idle.timings.firstByte - idle.timings.start;

    const urgent = await manifestUnderLoad(client, {});
    t.equal(urgent.order[0], 'manifest', `manifest completes first (order: ${urgent.order.join(' ')})`);
    const loadedTtfbMs = urgent.manifest.timings.firstByte - urgent.manifest.timings.start;
    t.comment(`${proto} manifest TTFB idle ${idleTtfbMs.toFixed(2)} ms, under ${BULK} bulk downloads ${loadedTtfbMs.toFixed(2)} ms`);

    // h3 access lines of the manifest: the idle request, this one, the u=7 one below.
    if (proto === 'h3') t.same(await loggedPriority('/content/demo/master.m3u8', 2), { urgency: 0, incremental: false, chosenBy: 'server', reason: 'class-default' }, 'the access line: our manifest default applied');
    const lazy = await manifestUnderLoad(client, { priority: 'u=7' });
    const before = lazy.order.indexOf('manifest');
    // Not BULK: a body source that stalls (a busy machine) yields its turn by design.
    t.ok(before >= BULK / 2, `client's u=7 is honoured: manifest finishes after ≥${BULK / 2} bulk responses (order: ${lazy.order.join(' ')})`);
    if (proto === 'h3') t.same(await loggedPriority('/content/demo/master.m3u8', 3), { urgency: 7, incremental: false, chosenBy: 'client', reason: 'client-signal' }, 'the access line: the client\'s u=7 applied');
  });
}

// PRIORITY_UPDATE (RFC 9218 §7.1) for a response already under way. Two segments of one urgency
// (our default u=3, not incremental) go one after another, the older request first; the client
// then raises the second to u=0 while the first is streaming. nghttp3 (0.8 and 1.8) ignores
// updates for streams whose priority the server set, so the engine applies them itself
// (priority_update.cc). The access line tells which priority each response ended with.
// Written by hand over QUIC: no client library we can run sends PRIORITY_UPDATE.
t.test('h3: a PRIORITY_UPDATE moves a response already under way ahead of an older one', async (t) => {
  // Both files in the cache first: the server answers both requests at once, in order, and has
  // set its default before an update can arrive.
  const warm = await h2Client(server.origin, server.certs.cert);
  for (const n of [200, 201]) await warm.request(`/content/demo/v/seg-${n}.m4s`);
  await warm.close();
  // Windows larger than the bodies: flow control must not be what interleaves them.
  const client = await rawH3(server.port, server.certs.cert, { receiveWindowBytes: 4 * UPDATE_BYTES });
  t.teardown(() => client.close());
  const finishOrder = async (raiseSecond: boolean): Promise<string[]> => {
    const first = client.fetch(getFieldSection('/content/demo/v/seg-200.m4s'));
    const second = client.fetch(getFieldSection('/content/demo/v/seg-201.m4s'));
    if (raiseSecond) {
      await first.firstBytes;
      await client.priorityUpdate(second.streamId, 'u=0');
    }
    const order: string[] = [];
    const results = await Promise.all([first.done.then((r) => (order.push('first'), r)), second.done.then((r) => (order.push('second'), r))]);
    for (const r of results) {
      t.equal(r.status, 200);
      t.ok(r.bytes > UPDATE_BYTES, `whole body (${r.bytes} stream bytes)`);
    }
    return order;
  };
  t.same(await finishOrder(false), ['first', 'second'], 'without an update the older request finishes first');
  t.same(await finishOrder(true), ['second', 'first'], 'raised to u=0 mid-transfer, the second overtakes');
  t.same(await loggedPriority('/content/demo/v/seg-201.m4s', 2), { urgency: 0, incremental: false, chosenBy: 'client', reason: 'client-update' }, 'access line: the update applied');
  t.same(await loggedPriority('/content/demo/v/seg-200.m4s', 2), { urgency: 3, incremental: false, chosenBy: 'server', reason: 'class-default' }, 'access line: our segment default');
});

// CMCD (CTA-5004): what a player says of its buffer decides a segment's urgency, over the generic
// Priority field a browser puts on every fetch (here `u=1, i` on every request, as Chromium's).
// Four segments for a player whose buffer is comfortable (bl=30000: u=4) are under way when a
// segment for a starving player (bs) is asked for on the same connection: it finishes first. The
// same segment asked for with a comfortable buffer waits its turn behind them.
const BROWSER_PRIORITY = 'u=1, i';
const comfortable = `bl=30000,d=4000,ot=v,sid="s1"`;
// With the same large windows: a bulk stream blocked on flow-control credit would let the
// comfortable player's segment (same urgency) send in its place and finish early.
for (const [proto, connect] of Object.entries(clients)) {
  t.test(`${proto}: a segment for a starving player (CMCD bs) overtakes segments for a comfortable one`, async (t) => {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const urgentSegment = `/content/demo/v/seg-200.m4s`;
    // Other tests fetch this segment too: the access lines that count are the two after theirs.
    const accessOfUrgent = (l: (typeof server.logs)[number]): boolean => l.msg === 'access' && l.transport === proto && l.path === urgentSegment;
    const earlier = server.logs.filter(accessOfUrgent).length;
    const race = async (late: Record<string, string>): Promise<string[]> => {
      const order: string[] = [];
      let underWay: () => void = () => {};
      const firstHead = new Promise<void>((resolve) => (underWay = resolve));
      const bulks = Array.from({ length: BULK }, (_, i) =>
        client
          .request(`/content/demo/v/seg-${100 + i}.m4s?CMCD=${encodeURIComponent(comfortable)}`, { headers: { priority: BROWSER_PRIORITY }, onHeaders: () => underWay() })
          .then((r) => (order.push(`bulk${i}`), r)),
      );
      await firstHead;
      const urgent = await client.request(urgentSegment, { headers: { priority: BROWSER_PRIORITY, ...late } }).then((r) => (order.push('late'), r));
      t.equal(urgent.body.length, UPDATE_BYTES, 'the late segment whole');
      for (const b of await Promise.all(bulks)) t.equal(b.body.length, BULK_BYTES);
      return order;
    };
    const starving = await race({ 'cmcd-status': 'bs', 'cmcd-request': 'bl=0', 'cmcd-object': 'd=4000,ot=v' });
    t.ok(starving.indexOf('late') < BULK / 2, `the starving player's segment finishes ahead of ≥${BULK / 2} of the comfortable ones (order: ${starving.join(' ')})`);
    const relaxed = await race({ 'cmcd-request': 'bl=30000', 'cmcd-object': 'd=4000,ot=v' });
    t.ok(relaxed.indexOf('late') >= BULK / 2, `with a comfortable buffer it waits behind ≥${BULK / 2} of them (order: ${relaxed.join(' ')})`);
    const lines = await server.logged(accessOfUrgent, earlier + 2);
    t.same(
      lines.slice(earlier).map((l) => l.priority),
      [
        { urgency: 1, incremental: false, chosenBy: 'cmcd', reason: 'starvation' },
        { urgency: 4, incremental: false, chosenBy: 'cmcd', reason: 'buffer-comfortable' },
      ],
      'the access lines say which priority applied and why',
    );
  });
}
