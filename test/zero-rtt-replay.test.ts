import t from 'tap';
import dgram from 'node:dgram';
import { once } from 'node:events';
import http2 from 'node:http2';
import { join } from 'node:path';
import { spawnServe } from './helpers/run.js';
import { run } from './helpers/run.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';

// An attacker on the path captures a client's Initial + 0-RTT flight and sends it again from
// other source ports. With several workers, SO_REUSEPORT hands each replay to any worker; the
// workers share session tickets, so each could accept the early data. The node's anti-replay
// table is shared: the early request runs once, whichever worker a replay reaches.
const REPLAYS = 16;

/** A UDP relay between one client and the server that records what the client sends first. */
async function recordingRelay(serverPort: number): Promise<{ port: number; flight: Buffer[]; close(): void }> {
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => front.bind(0, '127.0.0.1', r)), new Promise<void>((r) => back.bind(0, '127.0.0.1', r))]);
  const flight: Buffer[] = [];
  let client: dgram.RemoteInfo | undefined;
  let firstAt = 0;
  front.on('message', (msg, rinfo) => {
    client ??= rinfo;
    firstAt ||= performance.now();
    // What the client sends first: its Initial and 0-RTT packets (and, on loopback, a little more).
    if (performance.now() - firstAt < 50 && flight.length < 8) flight.push(Buffer.from(msg));
    back.send(msg, serverPort, '127.0.0.1');
  });
  back.on('message', (msg) => {
    if (client) front.send(msg, client.port, client.address);
  });
  return {
    port: front.address().port,
    flight,
    close: () => {
      front.close();
      back.close();
    },
  };
}

async function scrape(port: number, ca: Buffer): Promise<string> {
  const c = http2.connect(`https://localhost:${port}`, { ca });
  const r = c.request({ ':path': '/metrics' }, { endStream: true });
  let text = '';
  r.on('data', (d: Buffer) => (text += d));
  await once(r, 'end');
  c.close();
  return text;
}

t.test('--workers 2: a replayed 0-RTT flight runs its request once, whichever worker it reaches', async (t) => {
  const certs = makeTestCerts();
  const media = makeTestMedia();
  const server = await spawnServe(['--open-content', '--workers', '2', '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile]);
  t.teardown(() => void server.child.kill('SIGKILL'));
  await server.logged((l) => l.msg === 'listening', 2);
  const dir = scratchDir('h3edge-replay-');
  const gtls = (port: number, path: string) =>
    run(
      'gtlsclient',
      ['--exit-on-all-streams-close', '--timeout=10s', '--no-quic-dump', `--session-file=${join(dir, 's.pem')}`, `--tp-file=${join(dir, 'tp')}`, '127.0.0.1', String(port), `https://localhost:${server.port}${path}`],
      { timeoutMs: 30_000 },
    );
  // A ticket from a first connection, then the victim's resumed connection through the relay.
  t.equal((await gtls(server.port, '/healthz?probe=ticket')).code, 0);
  const relay = await recordingRelay(server.port);
  t.teardown(() => relay.close());
  const victim = await gtls(relay.port, '/content/demo/master.m3u8?probe=replayed');
  t.equal(victim.code, 0, 'the victim got its answer');
  t.notMatch(victim.stderr + victim.stdout, /Early data was rejected/, 'in 0-RTT');
  t.ok(relay.flight.length > 0, `the first flight was captured (${relay.flight.length} datagrams)`);

  // The attacker sends the flight again from 16 source ports, straight to the node, once the
  // victim's connection is gone (while it lives, its worker routes the flight to it by CID).
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < REPLAYS; i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    for (const d of relay.flight) s.send(d, server.port, '127.0.0.1');
    setTimeout(() => s.close(), 500);
  }
  await new Promise((r) => setTimeout(r, 1000));

  const lines = server
    .stdout()
    .split('\n')
    .filter((l) => l.includes('probe=replayed'))
    .map((l) => JSON.parse(l) as { msg: string; earlyData?: boolean; pid: number });
  const access = lines.filter((l) => l.msg === 'access');
  t.equal(access.length, 1, 'the early request ran exactly once');
  t.equal(access[0]?.earlyData, true, 'in early data');
  const refused = server
    .stdout()
    .split('\n')
    .filter((l) => l.includes('"0-RTT replay refused"'));
  const metrics = await scrape(server.port, certs.ca);
  const replayed = Number(/^h3edge_quic_early_data_total\{outcome="replayed"\} (\d+)$/m.exec(metrics)?.[1]);
  const accepted = Number(/^h3edge_quic_early_data_total\{outcome="accepted"\} (\d+)$/m.exec(metrics)?.[1]);
  t.comment(`${refused.length} replays refused by the table, the rest routed by CID to a connection made by an earlier replay`);
  t.equal(accepted, 1, "no replay's early data was let in, on either worker: only the victim's");
  t.ok(refused.length >= 2, `replays reaching each worker were refused and logged (${refused.length})`);
  t.equal(new Set(refused.map((l) => (JSON.parse(l) as { pid: number }).pid)).size, 2, 'by both workers');
  t.equal(replayed, refused.length, 'and counted');
  t.ok(refused.every((l) => (JSON.parse(l) as { level: number }).level === 30), 'info level');
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
});
