import t from 'tap';
import tls from 'node:tls';
import http2 from 'node:http2';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { duringAttack } from './helpers/attack.js';
import { FRAME, frame, getHeaderBlock, rawH2 } from './helpers/raw-h2.js';

// Slowloris as the README promises to stop it: a request head must arrive within
// requestHeadTimeoutMs, a body at requestBodyMinBytesPerSec after requestBodyTimeoutMs.
const media = makeTestMedia();
const HEAD_MS = 1000;
const DRIBBLE_EVERY_MS = 200;
const CONNECTIONS = 50;
/** How long an attacker keeps dribbling at most: far past every deadline. */
const ATTACK_LIMIT_MS = 8000;

interface Outcome {
  closedAfterMs: number | null;
  answer: string;
}

/** One connection that writes `bytes` one at a time until the server closes it (or the limit). */
function dribble(open: () => tls.TLSSocket, bytes: Buffer, skipFirst = 0): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = open();
    socket.on('error', () => {});
    let answer = '';
    let started = 0;
    let sent = skipFirst;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.once('secureConnect', () => {
      started = performance.now();
      if (skipFirst > 0) socket.write(bytes.subarray(0, skipFirst));
      timer = setInterval(() => {
        if (sent < bytes.length && !socket.destroyed) socket.write(bytes.subarray(sent, ++sent));
      }, DRIBBLE_EVERY_MS);
    });
    const limit = setTimeout(() => socket.destroy(), ATTACK_LIMIT_MS + 2000);
    socket.once('close', () => {
      clearInterval(timer);
      clearTimeout(limit);
      const closedAfterMs = started === 0 ? null : performance.now() - started;
      resolve({ closedAfterMs: closedAfterMs !== null && closedAfterMs < ATTACK_LIMIT_MS ? closedAfterMs : null, answer });
    });
  });
}

const h1 = (port: number, ca: Buffer) => (): tls.TLSSocket => tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });

t.test('slow requests are cut off at the documented deadlines', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'info', requestHeadTimeoutMs: HEAD_MS, requestBodyTimeoutMs: HEAD_MS, requestBodyMinBytesPerSec: 500 });
  t.teardown(() => server.close());

  t.test('HTTP/1.1 header dribble: 408 and closed after requestHeadTimeoutMs', async (t) => {
    await duringAttack(t, h2Client, server, 'HTTP/1.1 header dribble', async () => {
      const head = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`);
      const outcomes = await Promise.all(Array.from({ length: CONNECTIONS }, () => dribble(h1(server.port, server.certs.cert), head)));
      const closed = outcomes.filter((o) => o.closedAfterMs !== null);
      t.equal(closed.length, CONNECTIONS, `all ${CONNECTIONS} dribbling connections closed`);
      t.ok(outcomes.every((o) => o.answer.startsWith('HTTP/1.1 408')), 'each was answered 408');
      const slowest = Math.max(...closed.map((o) => o.closedAfterMs as number));
      t.ok(Math.min(...closed.map((o) => o.closedAfterMs as number)) >= HEAD_MS * 0.9, 'none before the deadline');
      t.comment(`header dribble closed after ${slowest.toFixed(0)} ms at the latest (deadline ${HEAD_MS} ms)`);
    });
  });

  t.test('HTTP/2 HEADERS dribble: the connection is closed after requestHeadTimeoutMs', async (t) => {
    await duringAttack(t, h2Client, server, 'HTTP/2 HEADERS dribble', async () => {
      const headers = frame(FRAME.HEADERS, 0x5, 1, getHeaderBlock('/healthz'));
      const outcomes = await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          const { socket, frames, closed } = await rawH2(server.port, server.certs.cert);
          const started = performance.now();
          let sent = 0;
          const timer = setInterval(() => {
            if (sent < headers.length && !socket.destroyed) socket.write(headers.subarray(sent, ++sent));
          }, DRIBBLE_EVERY_MS);
          const limit = setTimeout(() => socket.destroy(), ATTACK_LIMIT_MS);
          await closed;
          clearInterval(timer);
          clearTimeout(limit);
          return { afterMs: performance.now() - started, goaway: frames.includes(FRAME.GOAWAY), sent };
        }),
      );
      t.ok(
        outcomes.every((o) => o.afterMs < ATTACK_LIMIT_MS && o.sent < headers.length),
        `all ${CONNECTIONS} closed before their HEADERS frame was complete (latest after ${Math.max(...outcomes.map((o) => o.afterMs)).toFixed(0)} ms)`,
      );
      t.ok(outcomes.every((o) => o.goaway), 'each got GOAWAY');
    });
  });

  t.test('HTTP/1.1 body dribble: 408 and closed once the body falls behind its minimum rate', async (t) => {
    const body = JSON.stringify({ profileId: 'p', titleId: 'demo', device: { platform: 'web', maxHeight: 720 }, pad: 'x'.repeat(900) });
    const request = Buffer.from(`POST /v1/playback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const headLength = request.length - body.length;
    const outcomes = await Promise.all(Array.from({ length: CONNECTIONS }, () => dribble(h1(server.port, server.certs.cert), request, headLength)));
    t.equal(outcomes.filter((o) => o.closedAfterMs !== null).length, CONNECTIONS, `all ${CONNECTIONS} closed`);
    t.ok(outcomes.every((o) => /^HTTP\/1\.1 408/.test(o.answer) && /"request_timeout"/.test(o.answer)), 'each was answered 408 request_timeout');
  });

  t.test('HTTP/2 body dribble: 408 and the stream is reset', async (t) => {
    const client = http2.connect(server.origin, { ca: server.certs.cert });
    t.teardown(() => client.close());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => {
        const req = client.request({ ':method': 'POST', ':path': '/v1/playback', 'content-type': 'application/json', 'content-length': '1000' });
        req.on('error', () => {});
        const timer = setInterval(() => req.write('x'), DRIBBLE_EVERY_MS);
        const limit = setTimeout(() => req.close(), ATTACK_LIMIT_MS);
        let status = 0;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.resume();
        return new Promise<{ status: number; rstCode: number }>((resolve) =>
          req.once('close', () => {
            clearInterval(timer);
            clearTimeout(limit);
            resolve({ status, rstCode: req.rstCode ?? -1 });
          }),
        );
      }),
    );
    t.ok(outcomes.every((o) => o.status === 408), `each stream was answered 408 (${outcomes.map((o) => o.status).join(' ')})`);
    t.ok(outcomes.every((o) => o.rstCode === http2.constants.NGHTTP2_NO_ERROR), 'and reset with NO_ERROR once answered (the rest of the body refused)');
  });

  t.test('the timeouts are counted and logged, one line per connection', async (t) => {
    const metrics = await (await h2Client(server.origin, server.certs.cert)).request('/metrics');
    t.match(metrics.body.toString(), new RegExp(`^h3edge_request_head_timeouts_total\\{transport="tcp"\\} ${2 * CONNECTIONS}$`, 'm'));
    const lines = server.logs.filter((l) => l.msg === 'request head too slow; connection closed');
    t.equal(lines.length, 2 * CONNECTIONS);
    const timeouts = server.logs.filter((l) => l.msg === 'access' && l.status === 408 && l.code === 'request_timeout');
    t.equal(timeouts.length, CONNECTIONS + 20, 'each body timeout has its access line');
  });
});
