import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { earlyDataRejected, gtlsStatuses as statuses, resumeFrom } from './helpers/early-data.js';
import { gtlsclient } from './helpers/native-quic-peer.js';
import type { RunResult } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// TLS 1.3 resumption and 0-RTT on the native HTTP/3 engine, with ngtcp2's gtlsclient as the
// peer: the first connection stores a ticket and the transport parameters, the second sends its
// request in early data. RFC 8470: safe methods are answered, the rest get 425 Too Early.
const media = makeTestMedia();
const server = await startTestServer({ media: media.dir, logLevel: 'info' });
t.teardown(() => server.close());
const dir = scratchDir('h3edge-0rtt-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** gtlsclient with the session of the runs before, and its log (status lines, "Early data was rejected"). */
const gtls = (paths: string[], extra: string[] = []): Promise<RunResult> => gtlsclient(server.port, paths, { verbose: true, extra: [...resumeFrom(dir), ...extra], timeoutMs: 30_000 });

/** The first `count` h3 access-log lines; each is written when its stream closes, which may trail the client's exit. */
const h3AccessLines = (count: number): Promise<Array<Record<string, unknown>>> => server.logged((l) => l.msg === 'access' && l.transport === 'h3', count);

/** A sample from /metrics, e.g. metric('h3edge_quic_handshakes_total{resumed="true"}'). */
async function metric(series: string): Promise<number> {
  const h2 = await h2Client(server.origin, server.certs.cert);
  try {
    const text = (await h2.request('/metrics')).body.toString();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  } finally {
    await h2.close();
  }
}

/** Early-data requests counted under the default rules: GETs of media under `/*`, the POST under `/v1/playback/*`. */
const earlyDataCounter = (outcome: 'accepted' | 'too_early'): Promise<number> =>
  metric(`h3edge_early_data_requests_total{route="${outcome === 'accepted' ? '/*' : '/v1/playback/*'}",outcome="${outcome}"}`);

t.test('first connection: full handshake, ticket stored', async (t) => {
  const r = await gtls(['/content/demo/master.m3u8']);
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.same(statuses(r), ['200']);
  t.match(readFileSync(join(dir, 'session.pem'), 'utf8'), /BEGIN GNUTLS SESSION PARAMETERS/, 'the server issued a session ticket');
  const [log] = await h3AccessLines(1);
  t.equal(log?.path, '/content/demo/master.m3u8', 'access-logged');
  t.equal(log?.earlyData, undefined, 'not early data');
  t.ok((await metric('h3edge_tls_handshakes_total{resumed="false"}')) >= 1, 'TCP handshakes are counted too (the /metrics request itself)');
});

t.test('second connection: resumed, the GET in 0-RTT is accepted and answered', async (t) => {
  const before = await earlyDataCounter('accepted');
  const out = mkdtempSync(join(dir, 'dl-'));
  const r = await gtls(['/content/demo/v/init.mp4'], ['--download', out]);
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.notOk(earlyDataRejected(r), 'the client saw its 0-RTT accepted');
  t.same(statuses(r), ['200']);
  t.ok(readFileSync(join(out, 'init.mp4')).equals(media.files['demo/v/init.mp4'] as Buffer), 'body byte-exact');
  const logged = (await h3AccessLines(2)).filter((l) => l.earlyData === true);
  t.same(logged.map((l) => l.path), ['/content/demo/v/init.mp4'], 'the access log marks the request as early data');
  t.equal(await earlyDataCounter('accepted'), before + 1, 'h3edge_early_data_requests_total{outcome="accepted"} counted it');
  t.ok((await metric('h3edge_quic_handshakes_total{resumed="true"}')) >= 1, 'the engine counted a resumed handshake');
  t.ok((await metric('h3edge_quic_early_data_total{outcome="accepted"}')) >= 1, 'and a connection whose 0-RTT it accepted');
});

t.test('a POST in 0-RTT gets 425 Too Early', async (t) => {
  const before = await earlyDataCounter('too_early');
  const body = join(dir, 'body.json');
  writeFileSync(body, JSON.stringify({ titleId: 'demo' }));
  const r = await gtls(['/v1/playback'], ['-m', 'POST', `--data=${body}`]);
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.notOk(earlyDataRejected(r), 'its 0-RTT was accepted');
  t.same(statuses(r), ['425'], 'RFC 8470 §5.2: 425 for an unsafe request in early data');
  t.equal(await earlyDataCounter('too_early'), before + 1, 'counted as too_early');
});

t.test('--disable-early-data: the same ticket resumes in 1-RTT, the POST is processed', async (t) => {
  const body = join(dir, 'body.json');
  const r = await gtls(['/v1/playback'], ['-m', 'POST', `--data=${body}`, '--disable-early-data']);
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.not(statuses(r)[0], '425', `status ${statuses(r)[0]}: not early data, so not 425`);
});
