import t from 'tap';
import { DEFAULT_SERVE_CONFIG, type EarlyDataConfig } from '../src/config/config.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { metricSample } from './helpers/metric-sample.js';
import { makeTestMedia } from './helpers/media.js';
import { gtlsEarlyDataClient } from './helpers/early-data.js';
import type { LogLine } from './helpers/log-watch.js';

// Config `earlyData` (issue 18 item 5): the per-route 0-RTT policy, decided once in the core, and
// the global switch, which makes the native engine refuse 0-RTT in the handshake. The peer is
// ngtcp2's gtlsclient, resuming from a stored ticket and sending its request in early data.
const media = makeTestMedia();
const MANIFEST = '/content/demo/master.m3u8';
const DEFAULT_ROUTES = DEFAULT_SERVE_CONFIG.earlyData.routes;

/** A rule set that rejects the demo title's files in early data and keeps the defaults after it. */
const rejectDemo: EarlyDataConfig = { enabled: true, routes: [{ match: '/content/demo/*', policy: 'reject' }, ...DEFAULT_ROUTES] };

const sample = metricSample;

const earlyRequests = (server: TestServer, route: string, outcome: 'accepted' | 'too_early'): Promise<number> => sample(server, 'h3edge_early_data_requests_total', { route, outcome });

/** The h3 access line of `path` (each is written when its stream closes, which may trail the client's exit). */
const accessLine = async (server: TestServer, path: string): Promise<LogLine> => (await server.logged((l) => l.msg === 'access' && l.transport === 'h3' && l.path === path))[0]!;

t.test('default rules: media accepted in early data, license and playback routes 425', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'info' });
  t.teardown(() => server.close());
  const client = gtlsEarlyDataClient(server.port);

  const get = await client.request(`${MANIFEST}?accept`);
  t.ok(get.accepted, 'the server took the early data');
  t.equal(get.status, 200, 'a manifest GET runs from early data');
  t.ok(get.body.equals(media.files['demo/master.m3u8'] as Buffer), 'body byte-exact');
  t.match(await accessLine(server, `${MANIFEST}?accept`), { earlyData: true, earlyDataPolicy: { policy: 'accept', rule: '/*' } }, 'the access line names the rule that decided');

  const key = await client.request('/v1/license/clearkey/key?sid=x');
  t.ok(key.accepted, 'the key GET went in early data');
  t.equal(key.status, 425, 'a GET of a reject route: 425 Too Early');
  t.match(await accessLine(server, '/v1/license/clearkey/key?sid=x'), { status: 425, earlyDataPolicy: { policy: 'reject', rule: '/v1/license/*' } });

  const post = await client.request('/v1/playback', { method: 'POST', body: Buffer.from('{"titleId":"demo"}') });
  t.equal(post.status, 425, 'POST /v1/playback in early data: 425');
  const beacon = await client.request('/v1/qoe', { method: 'POST', body: Buffer.from('{}') });
  t.equal(beacon.status, 425, 'an unsafe method on an accept route is still 425');
  t.match(await accessLine(server, '/v1/qoe'), { status: 425, earlyDataPolicy: { policy: 'accept', rule: '/*' } });

  t.equal(await earlyRequests(server, '/*', 'accepted'), 1, 'counted by rule: /* accepted');
  t.equal(await earlyRequests(server, '/*', 'too_early'), 1, '/* too_early (the beacon)');
  t.equal(await earlyRequests(server, '/v1/license/*', 'too_early'), 1, '/v1/license/* too_early');
  t.equal(await earlyRequests(server, '/v1/playback/*', 'too_early'), 1, '/v1/playback/* too_early');
});

t.test('a reject route: 425 in early data, the retry after the handshake is answered', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'info', earlyData: rejectDemo });
  t.teardown(() => server.close());
  const client = gtlsEarlyDataClient(server.port);
  const early = await client.request(MANIFEST);
  t.ok(early.accepted, 'the TLS layer took the early data');
  t.equal(early.status, 425, 'the rule refused the request');
  const retry = await client.request(MANIFEST, { afterHandshake: true });
  t.equal(retry.status, 200, 'the same request after the handshake: 200');
  t.ok(retry.body.equals(media.files['demo/master.m3u8'] as Buffer), 'body byte-exact');
  const other = await client.request('/healthz');
  t.ok(other.accepted, 'a path outside the rule in early data…');
  t.equal(other.status, 200, '…falls to /* and is answered');
  t.equal(await earlyRequests(server, '/content/demo/*', 'too_early'), 1, 'counted under the rule that rejected');
});

t.test('earlyData.enabled false: the engine refuses 0-RTT in the handshake', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'info', earlyData: { enabled: false, routes: DEFAULT_ROUTES } });
  t.teardown(() => server.close());
  const client = gtlsEarlyDataClient(server.port);
  const r = await client.request(MANIFEST);
  t.notOk(r.accepted, 'gtlsclient reports its early data rejected');
  t.equal(r.status, 200, 'and resends the request in 1-RTT');
  t.equal((await accessLine(server, MANIFEST)).earlyData, undefined, 'the request did not arrive in early data');
  t.ok((await sample(server, 'h3edge_quic_handshakes_total', { resumed: 'true' })) >= 1, 'the ticket still resumed the session');
  t.equal(await sample(server, 'h3edge_quic_early_data_total', { outcome: 'accepted' }), 0, 'no connection had its 0-RTT accepted');
  t.ok((await sample(server, 'h3edge_quic_early_data_total', { outcome: 'rejected' })) >= 1, 'the offer counted as rejected');
});

t.test('a reload flips a route and the global switch', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'info' });
  t.teardown(() => server.close());
  const client = gtlsEarlyDataClient(server.port);
  t.equal((await client.request(`${MANIFEST}?1`)).status, 200, 'default rules: accepted');

  await server.reload({ ...server.config, earlyData: rejectDemo });
  const rejected = await client.request(`${MANIFEST}?2`);
  t.ok(rejected.accepted, 'still 0-RTT at the TLS level');
  t.equal(rejected.status, 425, 'after the reload the route rejects');
  t.match(await accessLine(server, `${MANIFEST}?2`), { earlyDataPolicy: { policy: 'reject', rule: '/content/demo/*' } });

  await server.reload({ ...server.config, earlyData: { enabled: false, routes: DEFAULT_ROUTES } });
  const off = await client.request(`${MANIFEST}?3`);
  t.notOk(off.accepted, 'switched off by the reload: the handshake refuses 0-RTT');
  t.equal(off.status, 200, 'the 1-RTT resend is answered');

  await server.reload({ ...server.config, earlyData: DEFAULT_SERVE_CONFIG.earlyData });
  const back = await client.request(`${MANIFEST}?4`);
  t.ok(back.accepted, 'switched on again');
  t.equal(back.status, 200);
  t.match(await accessLine(server, `${MANIFEST}?4`), { earlyData: true, earlyDataPolicy: { policy: 'accept', rule: '/*' } });
});
