import t, { type Test } from 'tap';
import net from 'node:net';
import http2 from 'node:http2';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { duringAttack as attackWhileMeasuring } from './helpers/attack.js';
import { FRAME, frame, getHeaderBlock, initialWindowSetting, rawH2 } from './helpers/raw-h2.js';
import { TCP_LIMITS } from '../src/transport/h2/limits.js';

// Attacks on a running server. Each one checks that the attacker is stopped, that a
// well-behaved client keeps being served (latency printed, never asserted), and that memory
// stays bounded.
const media = makeTestMedia();

const duringAttack = (t: Test, server: TestServer, name: string, attack: () => Promise<void>): Promise<void> => attackWhileMeasuring(t, h2Client, server, name, attack);

t.test('attacks', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', handshakeTimeoutMs: 1000, idleTimeoutMs: 3000 });
  t.teardown(() => server.close());

  t.test('HTTP/2 rapid reset (CVE-2023-44487): the attacker is cut off', async (t) => {
    await duringAttack(t, server, 'rapid reset', async () => {
      const { socket, frames, closed } = await rawH2(server.port, server.certs.cert);
      const block = getHeaderBlock('/content/demo/master.m3u8');
      let sent = 0;
      let stopped = false;
      void closed.then(() => (stopped = true));
      // HEADERS (END_STREAM|END_HEADERS) immediately followed by RST_STREAM(CANCEL), 100 per write.
      for (let id = 1; sent < 20_000 && !stopped && !frames.includes(FRAME.GOAWAY); id += 200) {
        const burst: Buffer[] = [];
        for (let k = 0; k < 100; k++, sent++) {
          burst.push(frame(FRAME.HEADERS, 0x5, id + 2 * k, block), frame(FRAME.RST_STREAM, 0, id + 2 * k, Buffer.from([0, 0, 0, 8])));
        }
        if (!socket.write(Buffer.concat(burst))) await new Promise((r) => socket.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      const goaway = frames.includes(FRAME.GOAWAY);
      t.comment(`rapid reset: ${sent} streams opened and reset before the server ${goaway ? 'sent GOAWAY' : stopped ? 'closed the connection' : 'did nothing'}`);
      t.ok(goaway || stopped, 'the server closed the attacking connection');
      t.ok(sent < 20_000, `before the attacker's 20,000 resets (${sent})`);
      socket.destroy();
    });
  });

  t.test('CONTINUATION flood (CVE-2024-27316 class): endless header continuation is cut off', async (t) => {
    await duringAttack(t, server, 'continuation flood', async () => {
      const { socket, frames, closed } = await rawH2(server.port, server.certs.cert);
      let stopped = false;
      void closed.then(() => (stopped = true));
      socket.write(frame(FRAME.HEADERS, 0x1, 1, getHeaderBlock('/healthz'))); // END_STREAM, no END_HEADERS
      let sent = 0;
      const junk = Buffer.concat([Buffer.from([0x00, 0x05]), Buffer.from('x-pad'), Buffer.from([0x7f, 0x80, 0x07]), Buffer.alloc(1000, 0x61)]);
      while (sent < 20_000 && !stopped && !frames.includes(FRAME.GOAWAY)) {
        const burst = Array.from({ length: 50 }, () => frame(FRAME.CONTINUATION, 0, 1, junk));
        sent += 50;
        if (!socket.write(Buffer.concat(burst))) await new Promise((r) => socket.once('drain', r));
        await new Promise((r) => setImmediate(r));
      }
      t.comment(`continuation flood: ${sent} CONTINUATION frames (${((sent * 1009) / 1e6).toFixed(1)} MB) before the server ${frames.includes(FRAME.GOAWAY) ? 'sent GOAWAY' : stopped ? 'closed the connection' : 'did nothing'}`);
      t.ok(frames.includes(FRAME.GOAWAY) || stopped, 'the server ended the connection');
      socket.destroy();
    });
  });

  t.test('SETTINGS and PING floods are cut off', async (t) => {
    for (const [name, make] of [
      ['settings flood', () => frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100]))],
      ['ping flood', () => frame(FRAME.PING, 0, 0, Buffer.alloc(8))],
    ] as const) {
      await duringAttack(t, server, name, async () => {
        const { socket, frames, closed } = await rawH2(server.port, server.certs.cert);
        let stopped = false;
        void closed.then(() => (stopped = true));
        let sent = 0;
        // The attacker never reads, so acknowledgements pile up on the server.
        socket.pause();
        while (sent < 50_000 && !stopped) {
          sent += 500;
          if (!socket.write(Buffer.concat(Array.from({ length: 500 }, make)))) {
            const drained = await Promise.race([new Promise((r) => socket.once('drain', () => r(true))), closed.then(() => false), new Promise((r) => setTimeout(() => r(false), 3000))]);
            if (!drained) break;
          }
          await new Promise((r) => setImmediate(r));
        }
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
        t.comment(`${name}: ${sent} frames sent; connection ${stopped ? 'closed by the server' : 'still open'}`);
        t.ok(stopped || sent < 50_000, `${name}: the server stopped taking frames`);
        socket.destroy();
        void frames;
      });
    }
  });

  t.test('header floods and oversized header lists fail the request, not the server', async (t) => {
    await duringAttack(t, server, 'header bomb', async () => {
      const session = http2.connect(server.origin, { ca: server.certs.cert });
      session.on('error', () => {});
      const many: Record<string, string> = {};
      for (let i = 0; i < 300; i++) many[`x-flood-${i}`] = 'v';
      const outcomes = await Promise.all(
        [many, { 'x-huge': 'a'.repeat(64 * 1024) }].map(
          (headers) =>
            new Promise<string>((resolve) => {
              const req = session.request({ ':path': '/healthz', ...headers }, { endStream: true });
              req.on('response', (h) => resolve(`status ${h[':status']}`));
              req.on('error', (e) => resolve(`error ${(e as Error).message.slice(0, 60)}`));
              req.on('close', () => resolve(`closed ${req.rstCode}`));
            }),
        ),
      );
      t.comment(`header bomb outcomes: ${outcomes.join('; ')}`);
      t.ok(outcomes.every((o) => !o.startsWith('status 200')), 'neither oversized request was served');
      session.destroy();
    });
  });

  t.test('slowloris: connections that never finish the handshake are closed', async (t) => {
    await duringAttack(t, server, 'slowloris', async () => {
      const sockets = Array.from({ length: 50 }, () => {
        const s = net.connect(server.port, '127.0.0.1');
        s.on('error', () => {});
        s.on('connect', () => s.write(Buffer.from([0x16, 0x03, 0x01]))); // a TLS record header, then nothing
        return s;
      });
      await Promise.all(sockets.map((s) => new Promise((r) => s.on('close', r))));
      t.pass('all 50 stalled connections were closed by the server');
    });
  });

  t.test('slow readers: 20 clients that never read a big response are timed out', async (t) => {
    let closed = 0;
    await duringAttack(t, server, 'slow readers', async () => {
      const sessions = Array.from({ length: 20 }, () => {
        const session = http2.connect(server.origin, { ca: server.certs.cert, settings: { initialWindowSize: 65535 } });
        session.on('error', () => {});
        const req = session.request({ ':path': '/content/demo/v/seg-9.m4s' }, { endStream: true });
        req.on('error', () => {});
        req.pause();
        return session;
      });
      await Promise.all(
        sessions.map(
          (session) =>
            new Promise<void>((resolve) => {
              const limit = setTimeout(resolve, 20_000);
              session.on('close', () => {
                clearTimeout(limit);
                closed++;
                resolve();
              });
            }),
        ),
      );
      sessions.forEach((s) => s.destroy());
    });
    t.equal(closed, 20, 'every stalled session was closed by the server');
  });

  t.test('range abuse: hundreds of overlapping ranges cost at most one file', async (t) => {
    const client = await h2Client(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const ranges = Array.from({ length: 400 }, (_, i) => `${i}-${i + 100000}`).join(',');
    const spread = Array.from({ length: 100 }, (_, i) => `${i * 20000}-${i * 20000 + 10}`).join(',');
    const sizes: number[] = [];
    const statuses: number[] = [];
    await duringAttack(t, server, 'range abuse', async () => {
      // 20 requests of 400 overlapping ranges and 20 of 100 scattered ones, 8 at a time.
      for (let wave = 0; wave < 5; wave++) {
        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, i) => client.request('/content/demo/v/seg-9.m4s', { headers: { range: `bytes=${i % 2 === 0 ? ranges : spread}` } })),
        );
        for (const r of replies) {
          sizes.push(r.body.length);
          statuses.push(r.status);
        }
      }
    });
    t.ok(Math.max(...sizes) <= 3_000_000 + 1000, `largest response ${Math.max(...sizes)} bytes for a 3,000,000-byte file`);
    t.ok(statuses.every((s) => s === 200 || s === 206), 'overlapping ranges merge; more than 16 disjoint ranges: the whole file once, not 100 parts');
    const r2 = await client.request('/content/demo/v/seg-9.m4s', { headers: { range: `bytes=${spread}` } });
    t.equal(r2.status, 200, 'more than 16 disjoint ranges: the whole file once, not 100 parts');
  });

  t.test('stream exhaustion: streams beyond the concurrency limit are refused; a client that keeps pushing is cut off', async (t) => {
    const limit = TCP_LIMITS.maxConcurrentStreams;
    const over = 50; // fewer than the refusals a session may collect (maxSessionRejectedStreams)
    let answered = 0;
    let refused = 0;
    let cutOff = false;
    await duringAttack(t, server, 'stream exhaustion', async () => {
      // A window of 0: the server can send heads but no body, so every stream it accepts stays open.
      const { socket, received, closed, until } = await rawH2(server.port, server.certs.cert, initialWindowSetting(0));
      let stopped = false;
      void closed.then(() => (stopped = true));
      const count = (type: number): number => received.filter((f) => f.type === type).length;
      // Once the server acknowledged our SETTINGS (an empty SETTINGS frame), `over` streams more than it allows, in one write.
      await until(() => received.some((f) => f.type === FRAME.SETTINGS && f.payload.length === 0));
      const block = getHeaderBlock('/content/demo/v/seg-9.m4s');
      const open = (from: number, n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, k) => frame(FRAME.HEADERS, 0x5, 1 + 2 * (from + k), block)));
      socket.write(open(0, limit + over));
      await until(() => count(FRAME.HEADERS) + count(FRAME.RST_STREAM) >= limit + over);
      answered = count(FRAME.HEADERS);
      refused = received.filter((f) => f.type === FRAME.RST_STREAM && f.payload.readUInt32BE(0) === 0x7).length; // REFUSED_STREAM
      // Then keep opening streams that can only be refused: the session has to end.
      socket.write(open(limit + over, 200));
      await until(() => count(FRAME.GOAWAY) > 0);
      cutOff = stopped || count(FRAME.GOAWAY) > 0;
      t.comment(`stream exhaustion: ${limit + over} streams at once → ${answered} answered, ${refused} refused; 200 more → ${cutOff ? 'connection ended' : 'still open'}`);
      socket.destroy();
    });
    t.equal(answered, limit, `exactly ${limit} streams were taken on`);
    t.equal(refused, over, `the ${over} beyond the limit were refused with REFUSED_STREAM`);
    t.ok(cutOff, 'a client that keeps opening refused streams loses its connection');
  });

  t.test('bad requests in bulk (traversal, oversized URLs, unsafe early data) each cost one quick 4xx', async (t) => {
    const attacker = await h2Client(server.origin, server.certs.cert);
    t.teardown(() => attacker.close());
    const bad: Array<[string, { path: string; method?: string; headers?: Record<string, string>; body?: Buffer }, number[]]> = [
      ['traversal', { path: '/content/..%2f..%2fetc%2fpasswd' }, [400, 404]],
      ['double-encoded traversal', { path: '/content/%252e%252e/%252e%252e/etc/passwd' }, [400, 404]],
      ['NUL', { path: '/content/demo/%00' }, [400, 404]],
      ['oversized URL', { path: `/content/${'a'.repeat(9000)}` }, [414]],
      ['unsafe early data', { path: '/v1/playback', method: 'POST', headers: { 'early-data': '1', 'content-type': 'application/json' }, body: Buffer.from('{}') }, [425]],
    ];
    const wrong: string[] = [];
    await duringAttack(t, server, 'bad requests', async () => {
      // 2,000 requests, 20 at a time, cycling through the kinds above.
      for (let wave = 0; wave < 100; wave++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const [name, req, expected] = bad[(wave * 20 + i) % bad.length] as (typeof bad)[number];
            const r = await attacker.request(req.path, { method: req.method, headers: req.headers, body: req.body });
            if (!expected.includes(r.status)) wrong.push(`${name} → ${r.status}`);
          }),
        );
      }
    });
    t.same(wrong, [], 'every bad request got its 4xx');
  });
});
