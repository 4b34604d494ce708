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
// The admin listener calls the router itself instead of RequestCore (src/transport/admin/server.ts:24),
// so what the core adds to every request is missing there: the lifecycle work of issue 19 makes it a sink of the core.
const KNOWN = 'known difference, see issue 19 lifecycle work';
const adminSkips: CaseSkip[] = [
  ...PUBLIC_PORT_ONLY.map((name) => ({ case: name, reason: 'the admin listener serves only /healthz, /readyz and /metrics (no /content/, no playback API)' })),
  { case: '414: a request target over 8 KiB', reason: `${KNOWN}: no target limit on the admin listener (a 9 KB path is 404, a 8 KB query on /healthz 200; core.ts:93)` },
  { case: '413: a declared body to a route that takes none', reason: `${KNOWN}: GET /healthz with content-length 10 is 200 on the admin listener (core.ts:101)` },
  { case: 'CORS: every answer to a request with an Origin, errors too', reason: `${KNOWN}: the admin listener adds no CORS fields (core.ts:65)` },
  { case: 'access log: one line per request, with its transport and the client address', reason: `${KNOWN}: the admin listener writes no access line and feeds no request metrics (core.ts:69)` },
  {
    case: 'Early-Data: 1 from an intermediary: an unsafe request is 425, a safe one is served',
    reason: `${KNOWN}: Early-Data: 1 is not looked at there (core.ts:96); no admin route takes an unsafe method, so a POST is 405 or 404, never run`,
  },
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
