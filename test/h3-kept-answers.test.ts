import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { getFieldSection, rawH3 } from './helpers/raw-h3.js';
import { decodeCmsdDynamic } from '@svta/cml-cmsd';
import { KEPT_ANSWER_MS, MAX_KEPT_BODY_BYTES } from '../src/http/kept-answers.js';

// Small static files over HTTP/3: the engine repeats the answer JavaScript gave (kept answers) to
// identical requests within the second, and JavaScript still writes each one's access line and
// metrics. Requests whose fields could change the answer always reach the core.

const media = makeTestMedia();
const small = randomBytes(1500);
const big = randomBytes(MAX_KEPT_BODY_BYTES + 1);
mkdirSync(join(media.dir, 'kept'), { recursive: true });
writeFileSync(join(media.dir, 'kept/master.m3u8'), small);
writeFileSync(join(media.dir, 'kept/big.mp4'), big);
const mid = randomBytes(200 * 1024);
writeFileSync(join(media.dir, 'kept/mid.mp4'), mid);
const server = await startTestServer({ media: media.dir });
t.teardown(() => server.close());

/** The engine's count of kept answers and the entries it holds, from /metrics. */
async function keptCounts(s: TestServer): Promise<{ answered: number; entries: number }> {
  const text = await s.metrics.registry.metrics();
  return {
    answered: Number(/h3edge_quic_kept_answers_total\{engine="native"\} (\d+)/.exec(text)?.[1] ?? 0),
    entries: Number(/h3edge_quic_kept_answer_entries (\d+)/.exec(text)?.[1] ?? -1),
  };
}

async function withClient(t: { teardown(f: () => unknown): void }, make: () => Promise<ProtocolClient>): Promise<ProtocolClient> {
  const c = await make();
  t.teardown(() => c.close());
  return c;
}

t.test('a repeated request gets the same answer from the engine, with its own access line and metrics', async (t) => {
  const h3 = await withClient(t, () => h3Client(server.origin, server.certs.cert));
  const path = '/content/kept/master.m3u8';
  const before = await keptCounts(server);
  const first = await h3.request(path);
  const second = await h3.request(path);
  const after = await keptCounts(server);
  t.equal(after.answered - before.answered, 1, 'the second request was answered by the engine');
  for (const r of [first, second]) {
    t.equal(r.status, 200);
    t.ok(r.body.equals(small), 'the whole file');
  }
  for (const name of ['etag', 'last-modified', 'content-type', 'content-length', 'cache-control', 'accept-ranges', 'cmsd-static']) {
    t.equal(second.headers[name], first.headers[name], `${name} as JavaScript answered`);
  }
  // CMSD-Dynamic carries this connection's path reading, as the core's own answers do.
  const dynamic = decodeCmsdDynamic(second.headers['cmsd-dynamic'] as string);
  t.equal(dynamic[0]?.value, 'h3edge');
  t.type(dynamic[0]?.params.rtt, 'number', 'rtt of the connection');
  t.type(dynamic[0]?.params.mb, 'number', 'the node advice');
  t.same(Object.keys(dynamic[0]?.params ?? {}), Object.keys(decodeCmsdDynamic(first.headers['cmsd-dynamic'] as string)[0]?.params ?? {}), 'the same parameters in the same order');

  const lines = await server.logged((l) => l.msg === 'access' && l.path === path, 2);
  t.equal(lines.length, 2, 'one access line each');
  t.not(lines[0]?.reqId, lines[1]?.reqId, 'each with its own request id');
  t.match(lines[1], { transport: 'h3', method: 'GET', status: 200, bytes: small.length, route: '/content/*path', priority: { chosenBy: 'server', reason: 'class-default' } });
  t.same(lines[1]?.priority, lines[0]?.priority, 'at the class priority the core chose');
  const text = await server.metrics.registry.metrics();
  t.match(text, /h3edge_requests_total\{transport="h3",route="\/content\/\*path",method="GET",status="200",code=""\} [2-9]/, 'both counted as requests');
});

t.test('requests whose fields could change the answer reach the core', async (t) => {
  const h3 = await withClient(t, () => h3Client(server.origin, server.certs.cert));
  const path = '/content/kept/master.m3u8';
  const first = await h3.request(path); // keeps it (again)
  const etag = first.headers.etag as string;
  const before = await keptCounts(server);
  const range = await h3.request(path, { headers: { range: 'bytes=0-99' } });
  t.equal(range.status, 206, 'a range');
  t.equal(range.body.length, 100);
  t.equal((await h3.request(path, { headers: { 'if-none-match': etag } })).status, 304, 'a validator');
  const cors = await h3.request(path, { headers: { origin: 'https://player.example' } });
  t.equal(cors.headers['access-control-allow-origin'], '*', 'an origin: CORS fields');
  const query = await h3.request(`${path}?CMCD=ot%3Dm`);
  t.equal(query.status, 200, 'a query (CMCD)');
  const head = await h3.request(path, { method: 'HEAD' });
  t.equal(head.body.length, 0, 'HEAD');
  t.equal((await h3.request(path, { headers: { cookie: 'a=b' } })).status, 200, 'a cookie');
  t.equal((await h3.request(path, { headers: { 'cmcd-request': 'bl=1000' } })).status, 200, 'CMCD fields');
  t.equal((await keptCounts(server)).answered, before.answered, 'none of them from a kept answer');

  // The client's own priority signal does not change the answer: the engine applies it.
  await h3.request(path, { headers: { priority: 'u=5' } });
  t.equal((await keptCounts(server)).answered, before.answered + 1, 'a Priority field alone: kept answer');
  const [line] = await server.logged((l) => l.msg === 'access' && l.path === path && (l.priority as { urgency?: number })?.urgency === 5);
  t.match(line, { priority: { urgency: 5, chosenBy: 'client', reason: 'client-signal' } }, 'sent at the client priority');

  // Browsers send a Priority field on every request: such a request keeps the answer too, at our
  // class priority, and a later request without one gets that.
  const browserPath = '/content/kept/browser.m3u8';
  writeFileSync(join(media.dir, 'kept/browser.m3u8'), small);
  const kept = (await keptCounts(server)).answered;
  await h3.request(browserPath, { headers: { priority: 'u=6, i', 'sec-fetch-dest': 'empty', 'accept-language': 'en' } });
  const plain = await h3.request(browserPath);
  t.ok(plain.body.equals(small));
  t.equal((await keptCounts(server)).answered, kept + 1, 'kept from a request with a Priority field');
  const [keeping, repeated] = await server.logged((l) => l.msg === 'access' && l.path === browserPath, 2);
  t.match(keeping, { priority: { urgency: 6, incremental: true, chosenBy: 'client' } }, 'the keeping request at its own priority');
  t.match(repeated, { priority: { chosenBy: 'server', reason: 'class-default' } }, 'the kept answer at the class priority');
  // The same class default the core gives a manifest request without a signal.
  const [coreDefault] = await server.logged((l) => l.msg === 'access' && l.path === path && (l.priority as { chosenBy?: string })?.chosenBy === 'server');
  t.same(repeated?.priority, coreDefault?.priority, 'as the core chose it for another manifest');

  // A body over the bound is never kept; HTTP/2 has no kept answers at all.
  const bigBefore = (await keptCounts(server)).answered;
  for (let i = 0; i < 2; i++) t.ok((await h3.request('/content/kept/big.mp4')).body.equals(big));
  t.equal((await keptCounts(server)).answered, bigBefore, `a body over ${MAX_KEPT_BODY_BYTES} bytes is not kept`);
  const h2 = await withClient(t, () => h2Client(server.origin, server.certs.cert));
  for (let i = 0; i < 2; i++) t.ok((await h2.request(path)).body.equals(small));
  t.equal((await keptCounts(server)).answered, bigBefore, 'HTTP/2 answers are all the core’s');
});

t.test('a file replaced by rename is served new once the kept answer expires', async (t) => {
  const h3 = await withClient(t, () => h3Client(server.origin, server.certs.cert));
  const path = '/content/kept/replaced.m3u8';
  const file = join(media.dir, 'kept/replaced.m3u8');
  const v1 = randomBytes(900);
  const v2 = randomBytes(1100);
  writeFileSync(file, v1);
  t.ok((await h3.request(path)).body.equals(v1));
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, v2);
  renameSync(tmp, file);
  // Within the second: the old version, whole, with its own validators.
  const stale = await h3.request(path);
  t.ok(stale.body.equals(v1), 'the old version, whole');
  t.equal(stale.headers['content-length'], String(v1.length));
  await new Promise((r) => setTimeout(r, KEPT_ANSWER_MS + 100));
  const fresh = await h3.request(path);
  t.ok(fresh.body.equals(v2), 'after the second: the new version');
  t.equal(fresh.headers['content-length'], String(v2.length));
});

t.test('the table holds at most 4096 answers', async (t) => {
  const dir = join(media.dir, 'many');
  mkdirSync(dir, { recursive: true });
  const count = 4200;
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${i}.m3u8`), `#EXTM3U ${i}\n`);
  const h3 = await withClient(t, () => h3Client(server.origin, server.certs.cert));
  // Batches of half the server's 100 streams: a stream's credit returns once the client acknowledged it.
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, k) => h3.request(`/content/many/${i + k}.m3u8`));
    const statuses = (await Promise.all(batch)).map((r) => r.status);
    if (statuses.some((s) => s !== 200)) t.fail(`not all 200: ${statuses.join(' ')}`);
  }
  t.pass(`${count} files answered`);
  const { entries } = await keptCounts(server);
  t.ok(entries > 0 && entries <= 4096, `entries ${entries} within the bound`);
  // Expired answers make room again: after the second a new file is kept.
  await new Promise((r) => setTimeout(r, KEPT_ANSWER_MS + 100));
  const before = (await keptCounts(server)).answered;
  await h3.request('/content/many/0.m3u8');
  await h3.request('/content/many/0.m3u8');
  t.equal((await keptCounts(server)).answered, before + 1, 'kept again once the others expired');
});

t.test('answers of several kept files finishing together each reach the core with their own file, size and client', async (t) => {
  // The engine hands a round's kept answers over at once (kept_batch.h): records and addresses
  // named once, numbers per answer. Sizes differ per file, so a mixed-up record shows.
  const files = [randomBytes(700), randomBytes(1900), randomBytes(3300)];
  mkdirSync(join(media.dir, 'batch'), { recursive: true });
  files.forEach((b, i) => writeFileSync(join(media.dir, `batch/${i}.m3u8`), b));
  const h3 = await withClient(t, () => h3Client(server.origin, server.certs.cert));
  for (let i = 0; i < files.length; i++) await h3.request(`/content/batch/${i}.m3u8`);
  const before = (await keptCounts(server)).answered;
  const paths = Array.from({ length: 45 }, (_, k) => `/content/batch/${k % files.length}.m3u8`);
  const answers = await Promise.all(paths.map((p) => h3.request(p)));
  answers.forEach((r, k) => {
    if (!r.body.equals(files[k % files.length] as Buffer)) t.fail(`${paths[k]}: not its file`);
  });
  const kept = (await keptCounts(server)).answered - before;
  t.ok(kept >= 40, `${kept} of 45 concurrent requests from kept answers`);
  const lines = await server.logged((l) => l.msg === 'access' && typeof l.path === 'string' && l.path.startsWith('/content/batch/'), files.length + 45);
  t.equal(lines.length, files.length + 45, 'an access line for every request');
  for (const l of lines.slice(files.length)) {
    const size = files[Number(/(\d)\.m3u8$/.exec(l.path as string)?.[1])]?.length;
    if (l.bytes !== size || l.remote !== '127.0.0.1' || l.status !== 200) t.fail(`access line ${JSON.stringify(l)} does not match ${size} bytes from 127.0.0.1`);
  }
  t.pass('each line has its own file\'s size, the client and 200');
});

t.test('a reload forgets kept answers: closing open content takes effect at once', async (t) => {
  const own = await startTestServer({ media: media.dir });
  t.teardown(() => own.close());
  const h3 = await withClient(t, () => h3Client(own.origin, own.certs.cert));
  const path = '/content/kept/master.m3u8';
  await h3.request(path);
  const before = (await keptCounts(own)).answered;
  t.equal((await h3.request(path)).status, 200);
  t.equal((await keptCounts(own)).answered, before + 1, 'kept');
  await own.reload({ ...own.config, openContent: false });
  const after = await h3.request(path);
  t.not(after.status, 200, `refused after the reload (${after.status})`);
  t.equal((await keptCounts(own)).answered, before + 1, 'not from the kept answer');
});

t.test('a graceful shutdown lets kept answers still sending finish', async (t) => {
  const own = await startTestServer({ media: media.dir, shutdownGraceMs: 5000 });
  let closed = false;
  t.teardown(() => (closed ? undefined : own.close()));
  // A slow reader: 16 KiB of stream window, read with pauses. This client sends a request's FIN
  // in a frame after its head: the engine answers at the head and refuses the rest (STOP_SENDING).
  const raw = await rawH3(own.port, own.certs.ca, { receiveWindowBytes: 16 * 1024 });
  t.teardown(() => raw.close());
  const path = getFieldSection('/content/kept/mid.mp4');
  const first = await raw.fetch(path).done;
  t.equal(first.status, 200, 'the core answers and keeps it');
  const before = (await keptCounts(own)).answered;
  const slow = raw.fetch(path, { pauseMsPerRead: 20 });
  // The client library may report the connection's close before its application read the last
  // bytes it acknowledged: what counts is how the server saw the answer end.
  void slow.done.catch(() => undefined);
  await slow.firstBytes;
  const closing = own.close();
  closed = true;
  await closing;
  t.equal((await keptCounts(own)).answered, before + 1, 'it was a kept answer');
  const lines = own.logs.filter((l) => l.msg === 'access' && l.path === '/content/kept/mid.mp4');
  t.equal(lines.length, 2, 'both answers logged by the time the node stopped');
  t.match(lines[1], { status: 200, bytes: mid.length }, 'the kept answer went out whole');
  t.equal(lines[1]?.aborted, undefined, 'acknowledged before the connection closed, not cut by it');
});
