import t, { type Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeRequest as NativeH3Request } from '../src/native/quic-request.js';
import { gtlsclient, startNativeServer, tempDir } from './helpers/native-quic-peer.js';
import { startTestServer } from './helpers/server.js';
import { makeTestMedia } from './helpers/media.js';

// qlog (draft-ietf-quic-qlog-main-schema) from the native engine: one JSON-SEQ file (RFC 7464:
// each record RS, JSON text, LF) per QUIC connection, named after the connection ID, with
// ngtcp2's transport events and our http:priority_updated; a share of connections when sampled.

const RS = '\x1e';

/** The records of a JSON-SEQ file; fails the test on anything that is not RS + JSON + LF. */
function records(t: Test, file: string): Array<Record<string, unknown>> {
  const text = readFileSync(file, 'utf8');
  t.ok(text.startsWith(RS), `${file} starts with RS`);
  const out: Array<Record<string, unknown>> = [];
  for (const chunk of text.split(RS).slice(1)) {
    if (!chunk.endsWith('\n')) t.fail(`a record without its LF: ${chunk.slice(0, 80)}`);
    out.push(JSON.parse(chunk) as Record<string, unknown>);
  }
  return out;
}

const respond = (urgency: number) => (req: NativeH3Request) => req.respond(200, [], Buffer.alloc(50_000), { urgency, incremental: false });

t.test('one JSON-SEQ qlog per connection, with transport events and the priority we applied', async (t) => {
  const dir = tempDir(t, 'h3edge-qlog-');
  const seen: NativeH3Request[] = [];
  const { server, port } = await startNativeServer(t, (req) => (seen.push(req), respond(1)(req)), { qlogDir: dir });
  for (let i = 0; i < 2; i++) {
    const r = await gtlsclient(port, ['/a', '/b']);
    t.equal(r.code, 0, r.stderr.slice(-300));
  }
  await server.close({ graceMs: 0 });
  const ids = [...new Set(seen.map((r) => r.connection.id))].sort();
  t.equal(ids.length, 2, 'two connections');
  t.same(readdirSync(dir).sort(), ids.map((id) => `${id}.sqlog`), 'a file per connection, named by its connection ID');
  t.equal(server.stats().qlogsWritten, 2);
  for (const id of ids) {
    const [header, ...events] = records(t, join(dir, `${id}.sqlog`));
    t.match(header, { qlog_format: 'JSON-SEQ', trace: { vantage_point: { type: 'server' }, common_fields: { time_format: 'relative' } } }, 'qlog header');
    const names = new Set(events.map((e) => e.name));
    for (const name of ['transport:packet_received', 'transport:packet_sent', 'transport:parameters_set', 'recovery:metrics_updated', 'http:priority_updated']) {
      t.ok(names.has(name), `${id}: ${name}`);
    }
    t.ok(events.every((e) => typeof e.time === 'number'), 'every event has a relative time');
    const priorities = events.filter((e) => e.name === 'http:priority_updated').map((e) => e.data);
    t.same(priorities, [
      { stream_id: 0, new: 'u=1', trigger: 'local' },
      { stream_id: 4, new: 'u=1', trigger: 'local' },
    ], 'our default for both requests (gtlsclient sends no priority)');
  }
});

t.test('qlogSampleRatio: none at 0, some at 0.5, every connection at 1', async (t) => {
  for (const [ratio, connections] of [[0, 4], [0.5, 16]] as const) {
    const dir = tempDir(t, 'h3edge-qlog-');
    const { server, port } = await startNativeServer(t, respond(3), { qlogDir: dir, qlogSampleRatio: ratio });
    for (let i = 0; i < connections; i++) t.equal((await gtlsclient(port, ['/x'])).code, 0);
    await server.close({ graceMs: 0 });
    const files = readdirSync(dir).length;
    t.equal(server.stats().qlogsWritten, files);
    if (ratio === 0) t.equal(files, 0, 'ratio 0: no qlog');
    // P(none or all of 16 at 0.5) = 2^-15.
    else t.ok(files > 0 && files < connections, `ratio 0.5: ${files} of ${connections} connections`);
  }
  await t.rejects(startNativeServer(t, respond(3), { qlogSampleRatio: 2 }), TypeError);
});

t.test('--qlog-dir on the node: a qlog for its HTTP/3 connections', async (t) => {
  const dir = tempDir(t, 'h3edge-qlog-node-');
  const media = makeTestMedia();
  const server = await startTestServer({ media: media.dir, qlogDir: join(dir, 'made-by-the-node') });
  t.teardown(() => server.close());
  const r = await gtlsclient(server.port, ['/content/demo/master.m3u8']);
  t.equal(r.code, 0, r.stderr.slice(-300));
  await server.close();
  const files = readdirSync(join(dir, 'made-by-the-node'));
  t.equal(files.length, 1, 'the node made the directory and wrote one qlog');
  const events = records(t, join(dir, 'made-by-the-node', files[0]!));
  // A manifest: our class default u=0 (RFC 9218 field value "u=0").
  t.match(events.find((e) => e.name === 'http:priority_updated'), { data: { stream_id: 0, new: 'u=0', trigger: 'local' } });
});
