import t from 'tap';
import http2 from 'node:http2';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { loadTcpInfo } from '../src/native/tcpinfo.js';
import { tcpFdReader } from '../src/transport/h2/session-socket.js';
import { makeTestCerts } from './helpers/certs.js';

// The tcpinfo addon and the HTTP/2 transport's way to the TCP socket under a session: what
// the send backlog (src/transport/h2/send-backlog.ts) asks the kernel about every connection.
const loaded = loadTcpInfo();
if ('error' in loaded) throw loaded.error;
const { addon } = loaded;

t.test('the TCP socket under an HTTP/2 session is found, asked, and forgotten when it closes', async (t) => {
  const certs = makeTestCerts();
  const server = http2.createSecureServer({ cert: certs.cert, key: readFileSync(certs.keyFile) });
  const readers: Array<() => number | undefined> = [];
  server.on('session', (session) => readers.push(tcpFdReader(session)));
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end(Buffer.alloc(256 * 1024));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    if (server.listening) server.close();
  });
  const port = (server.address() as { port: number }).port;
  const client = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
  const req = client.request({ ':path': '/' });
  req.resume();
  await new Promise((r) => req.on('end', r));

  const fdOf = readers[0];
  t.ok(fdOf, 'the session was seen');
  const fd = fdOf?.();
  t.type(fd, 'number', 'a descriptor while the connection is open');
  const s = addon.sendState(fd as number);
  t.ok(s.mssBytes > 0 && s.cwndPackets > 0, `TCP_INFO read (mss ${s.mssBytes}, cwnd ${s.cwndPackets})`);
  t.ok(s.notsentBytes >= 0 && s.unackedPackets >= 0 && s.pacingRateBytesPerSec >= 0 && s.rttUs >= 0, 'counters are numbers');

  await new Promise<void>((r) => client.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  t.equal(fdOf?.(), undefined, 'no descriptor once the socket is closed');
});

t.test('errors are exceptions with errno codes, not crashes', async (t) => {
  t.throws(() => addon.sendState(1_000_000), { code: 'EBADF' });
  const fd = openSync(import.meta.filename, 'r');
  t.teardown(() => closeSync(fd));
  t.throws(() => addon.sendState(fd), { code: 'ENOTSOCK' });
  t.throws(() => (addon.sendState as unknown as (x: string) => void)('3'), TypeError);
});
