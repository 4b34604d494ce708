import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { makeTestMedia } from './helpers/media.js';
import { earlyDataRejected, gtlsStatuses, resumeFrom } from './helpers/early-data.js';
import { gtlsclient } from './helpers/native-quic-peer.js';
import { metricSample } from './helpers/metric-sample.js';
import { scratchDir } from './helpers/scratch.js';

// h3edge_quic_tokens_total{outcome}: the engine counts the NEW_TOKEN token each connection attempt
// presents (RFC 9000 §8.1.3). gtlsclient keeps the token it was given in --token-file and
// presents it on its next connection, beside the session ticket (0-RTT).
const media = makeTestMedia();
const server = await startTestServer({ media: media.dir, logLevel: 'info' });
t.teardown(() => server.close());
const dir = scratchDir('h3edge-tokens-');
const tokenFile = join(dir, 'token.pem');

const tokens = async (): Promise<Record<'valid' | 'invalid' | 'absent', number>> => ({
  valid: await metricSample(server, 'h3edge_quic_tokens_total', { outcome: 'valid' }),
  invalid: await metricSample(server, 'h3edge_quic_tokens_total', { outcome: 'invalid' }),
  absent: await metricSample(server, 'h3edge_quic_tokens_total', { outcome: 'absent' }),
});
const fetchWithToken = (extra: string[] = []) =>
  gtlsclient(server.port, ['/content/demo/master.m3u8'], { verbose: true, extra: [...resumeFrom(dir), `--token-file=${tokenFile}`, ...extra], timeoutMs: 30_000 });

t.test('first connection: no token; the server gives one (NEW_TOKEN)', async (t) => {
  const before = await tokens();
  const r = await fetchWithToken(['--wait-for-ticket']);
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.same(gtlsStatuses(r), ['200']);
  t.ok(existsSync(tokenFile), 'gtlsclient stored the NEW_TOKEN token');
  t.same(await tokens(), { ...before, absent: before.absent + 1 }, 'counted as absent');
});

t.test('returning client: the token is valid and its 0-RTT accepted', async (t) => {
  const before = await tokens();
  const r = await fetchWithToken();
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.notOk(earlyDataRejected(r), '0-RTT accepted');
  t.same(gtlsStatuses(r), ['200']);
  t.same(await tokens(), { ...before, valid: before.valid + 1 }, 'counted as valid');
});

t.test('a damaged token: counted invalid, the connection still completes (amplification limit kept)', async (t) => {
  const pem = readFileSync(tokenFile, 'utf8');
  const label = /-----BEGIN ([^-]+)-----/.exec(pem)?.[1];
  const raw = Buffer.from(pem.replace(/-----[^-]+-----/g, ''), 'base64');
  t.ok(label !== undefined && raw.length > 8, `the token file holds a token (${label})`);
  raw[raw.length - 1]! ^= 0xff; // last byte of the AEAD tag: the token no longer authenticates
  writeFileSync(tokenFile, `-----BEGIN ${label}-----\n${raw.toString('base64')}\n-----END ${label}-----\n`);
  const before = await tokens();
  const r = await fetchWithToken();
  t.equal(r.code, 0, 'gtlsclient exit 0', { stderr: r.stderr.slice(-400) });
  t.same(gtlsStatuses(r), ['200']);
  t.same(await tokens(), { ...before, invalid: before.invalid + 1 }, 'counted as invalid');
});
