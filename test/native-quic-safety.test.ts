import t from 'tap';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeRequest as NativeH3Request } from '../src/native/quic-request.js';
import { H3Client } from '../src/client/h3-client.js';
import { gtlsclient, startNativeServer, tempDir } from './helpers/native-quic-peer.js';

// The engine's defences against what arrives over UDP: Retry address validation, stateless
// resets for unknown connections, and the 3× anti-amplification limit before validation.

const BODY = randomBytes(200_000);
const serveBody = (req: NativeH3Request): void => req.respond(200, [['content-length', String(BODY.length)]], BODY);

/** A UDP socket on loopback, closed when the test ends. */
async function udpSocket(t: { teardown(fn: () => unknown): void }): Promise<Socket> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  t.teardown(() => sock.close());
  return sock;
}

/** The datagrams `sock` receives from now until one satisfies `last` (it included), or `limitMs` passed. */
function datagramsUntil(sock: Socket, last: (m: Buffer, got: Buffer[]) => boolean, limitMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(got);
    };
    const onMessage = (m: Buffer): void => {
      got.push(m);
      if (last(m, got)) done();
    };
    const timer = setTimeout(done, limitMs);
    sock.on('message', onMessage);
  });
}

t.test('Retry: with address validation on, the client is sent a Retry and still downloads', async (t) => {
  const { server, port } = await startNativeServer(t, serveBody, { retry: true });
  const out = tempDir(t, 'h3edge-nq-');
  const r = await gtlsclient(port, ['/retry'], { download: out });
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-300) });
  t.ok(readFileSync(join(out, 'retry')).equals(BODY), 'body byte-exact after the Retry round trip');
  t.equal(server.stats().retriesSent, 1, 'one Retry was sent');
});

t.test('stateless reset: a short-header packet for an unknown connection gets a reset', async (t) => {
  const { server, port } = await startNativeServer(t, serveBody);
  const sock = await udpSocket(t);
  const dcid = randomBytes(18);
  const trigger = (len: number): Buffer => Buffer.concat([Buffer.from([0x40 | (randomBytes(1)[0]! & 0x3f)]), dcid, randomBytes(len - 19)]);

  const replies = datagramsUntil(sock, (_m, got) => got.length === 2);
  sock.send(trigger(60), port, '127.0.0.1');
  sock.send(trigger(60), port, '127.0.0.1');
  const [first, second] = await replies;
  t.ok(first && second, 'both triggers were answered');
  t.ok(first!.length >= 21 && first!.length < 60, `RFC 9000 §10.3: ${first!.length} bytes, smaller than the 60-byte trigger`);
  t.equal(first![0]! & 0xc0, 0x40, 'looks like a short-header packet');
  t.ok(first!.subarray(-16).equals(second!.subarray(-16)), 'the reset token is the same for the same connection ID');
  t.notOk(first!.subarray(0, 24).equals(second!.subarray(0, 24)), 'the rest is random');
  t.equal(server.stats().statelessResetsSent, 2);

  // A marker of another connection ID, answered with a token learnt first: once its reset is
  // back, an answer to the small trigger sent before it would be too (one socket each way, in order).
  const markerDcid = randomBytes(18);
  const marker = (): Buffer => Buffer.concat([Buffer.from([0x40]), markerDcid, randomBytes(41)]);
  sock.send(marker(), port, '127.0.0.1');
  const [learnt] = await datagramsUntil(sock, () => true);
  const markerToken = learnt?.subarray(-16);
  t.ok(markerToken, "the marker's reset token");
  const beforeMarker = datagramsUntil(sock, (m) => markerToken !== undefined && m.subarray(-16).equals(markerToken));
  sock.send(trigger(40), port, '127.0.0.1');
  sock.send(marker(), port, '127.0.0.1');
  const got = await beforeMarker;
  t.equal(got.length, 1, "the marker was answered…");
  t.same(got.slice(0, -1), [], '…and a trigger too small to be answered with a smaller reset got nothing');
  t.equal(server.stats().statelessResetsSent, 4, 'the two triggers and the marker twice');
});

t.test('anti-amplification: before the address is validated, at most 3× the received bytes go back', async (t) => {
  const { port } = await startNativeServer(t, serveBody);
  // A relay that passes only the client's first datagram (its Initial) to the server and keeps
  // the server's answers: the server never hears from the client again, as with a spoofed source.
  const relay = await udpSocket(t);
  const toServer = await udpSocket(t);
  let forwarded = 0;
  let answered = 0;
  relay.on('message', (m) => {
    if (forwarded > 0) return;
    forwarded = m.length;
    toServer.send(m, port, '127.0.0.1');
  });
  toServer.on('message', (m) => (answered += m.length));
  const client = spawn('gtlsclient', ['-q', '--timeout=3s', '127.0.0.1', String(relay.address().port), `https://localhost:${port}/x`], { stdio: 'ignore' });
  const killer = setTimeout(() => client.kill('SIGKILL'), 15_000);
  t.teardown(() => {
    clearTimeout(killer);
    client.kill('SIGKILL');
  });
  // The client gives up after its 3 s idle timeout: time for several of the server's probe
  // timeouts (the first PTO is about a second without an RTT sample).
  await once(client, 'exit');
  t.ok(forwarded >= 1200, `the client's Initial was padded to ${forwarded} bytes`);
  t.ok(answered > 0, `the server answered (${answered} bytes)`);
  t.ok(answered <= 3 * forwarded, `RFC 9000 §8.1: ${answered} bytes sent for ${forwarded} received (limit ${3 * forwarded})`);
});

t.test('a request header section over the limit is answered 431 by the engine; the connection lives on', async (t) => {
  const seen: string[] = [];
  const { port, certs } = await startNativeServer(t, (req) => {
    seen.push(req.path);
    serveBody(req);
  });
  const client = await H3Client.connect(`https://localhost:${port}`, { ca: certs.cert });
  t.teardown(() => client.close());
  const big = await client.request('/big-head', { headers: { 'x-filler': 'a'.repeat(20_000) } });
  t.equal(big.status, 431, 'RFC 9114 §4.2.2: the section exceeded SETTINGS_MAX_FIELD_SECTION_SIZE');
  const ok = await client.request('/after');
  t.equal(ok.status, 200);
  t.ok(ok.body.equals(BODY), 'the next request on the same connection is served');
  t.same(seen, ['/after'], 'the oversized request never reached JavaScript');
});

t.test('response fields the engine refuses (TypeError, nothing sent) and a NUL cannot smuggle a field in', async (t) => {
  const refused: string[] = [];
  const attempts: Array<Array<[string, string]>> = [
    [['x-ok', 'a\0x-smuggled\0yes']],
    [['x-a\0x-smuggled', 'yes']],
    [['X-Upper', '1']],
    [['connection', 'close']],
    [['x-bad', 'line\r\nx-smuggled: yes']],
    [[':status', '200']],
  ];
  const { port, certs } = await startNativeServer(t, (req) => {
    for (const fields of attempts) {
      try {
        req.respond(200, fields, BODY);
      } catch (err) {
        if (err instanceof TypeError) refused.push(err.message);
      }
    }
    req.respond(200, [['content-length', String(BODY.length)], ['x-after', 'one\0'.slice(0, 3)]], BODY);
  });
  const client = await H3Client.connect(`https://localhost:${port}`, { ca: certs.cert });
  t.teardown(() => client.close());
  const r = await client.request('/fields');
  t.equal(refused.length, attempts.length, `each refused: ${refused.join(' | ')}`);
  t.match(refused[0], /NUL/, 'a NUL in a value: refused as such');
  t.equal(r.status, 200, 'the valid answer after them went out');
  t.equal(r.headers['x-after'], 'one');
  t.notOk('x-smuggled' in r.headers, 'no field smuggled in');
  t.ok(r.body.equals(BODY));
});
