import t from 'tap';
import { startTestServer } from './helpers/server.js';
import { h1Client, h2Client, h3Client, plainHttpClient } from './helpers/clients.js';
import { gtlsEarlyDataClient } from './helpers/early-data.js';
import { runHttpCases, semanticsMedia, type CaseSkip, type HttpCaseName } from './http-cases.js';

// Every transport and engine registers with the one case file (test/http-cases.ts); each skip
// says why. A behaviour that differs by transport is a bug.
const media = semanticsMedia();
const node = await startTestServer({ media: media.dir });
const currentspace = await startTestServer({ media: media.dir, h3Engine: 'currentspace' });
// Operator endpoints off the public port, on plain HTTP on loopback.
const admin = await startTestServer({ media: media.dir, adminPort: 0 });
t.teardown(() => Promise.all([node.close(), currentspace.close(), admin.close()]));

const NO_TLS_EARLY_DATA = 'node:tls has no TLS 1.3 early data: the TCP listener neither takes 0-RTT nor can node send it';
const ALT_SVC_ON_H3 = 'an HTTP/3 response is already on the alternative; Alt-Svc tells TCP clients about it (RFC 7838)';

runHttpCases({
  name: 'HTTP/2 (node:http2)',
  server: node,
  media,
  connect: () => h2Client(node.origin, node.certs.cert),
  skip: [{ case: '0-RTT: an unsafe request in early data is 425, a safe one is answered', reason: NO_TLS_EARLY_DATA }],
});

runHttpCases({
  name: 'HTTP/1.1 over TLS (node:https)',
  server: node,
  media,
  connect: () => h1Client(node.origin, node.certs.cert),
  skip: [{ case: '0-RTT: an unsafe request in early data is 425, a safe one is answered', reason: NO_TLS_EARLY_DATA }],
});

runHttpCases({
  name: 'HTTP/3, native engine (quiche client; gtlsclient for 0-RTT)',
  server: node,
  media,
  connect: () => h3Client(node.origin, node.certs.cert),
  earlyData: () => gtlsEarlyDataClient(node.port),
  skip: [{ case: 'Alt-Svc: a TCP response names HTTP/3 on the same port', reason: ALT_SVC_ON_H3 }],
});

runHttpCases({
  name: 'HTTP/3, currentspace engine (quiche client)',
  server: currentspace,
  media,
  connect: () => h3Client(currentspace.origin, currentspace.certs.cert),
  skip: [
    { case: '0-RTT: an unsafe request in early data is 425, a safe one is answered', reason: 'the currentspace engine does not accept 0-RTT (src/transport/h3/currentspace-engine.ts)' },
    { case: 'Alt-Svc: a TCP response names HTTP/3 on the same port', reason: ALT_SVC_ON_H3 },
  ],
});

/** Cases about /content/ and routes only the public port has: the admin listener serves /healthz, /readyz and /metrics. */
const PUBLIC_PORT_ONLY: readonly HttpCaseName[] = [
  'GET: a file byte-exact, with validators and its media type',
  'HEAD: the fields of GET with the same content-length, and no body',
  'single ranges are byte-exact',
  'several ranges come as multipart/byteranges',
  'an unsatisfiable range is 416 with the size',
  'conditional requests: 304, 412 and If-Range',
  'content routes take GET and HEAD only: 405 with Allow',
  'path traversal never escapes the media directory',
  'a symlink in the media directory is followed inside it, never outside',
  'Priority: the field is taken, a malformed one ignored',
  'CORS: preflight, and exposed headers on media',
  "413: a body over the playback route's limit, declared or not",
];
const adminSkips: CaseSkip[] = [
  ...PUBLIC_PORT_ONLY.map((name) => ({ case: name, reason: 'the admin listener serves only /healthz, /readyz and /metrics (no /content/, no playback API)' })),
  { case: '0-RTT: an unsafe request in early data is 425, a safe one is answered', reason: 'plain HTTP on loopback: no TLS, so no early data' },
  { case: 'Alt-Svc: a TCP response names HTTP/3 on the same port', reason: 'the admin port has no HTTP/3 listener to advertise' },
];
runHttpCases({
  name: 'admin listener (plain HTTP/1.1 on loopback)',
  server: admin,
  media,
  connect: () => plainHttpClient(admin.adminPort as number),
  skip: adminSkips,
});
