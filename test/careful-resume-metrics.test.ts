import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { h2Client } from './helpers/clients.js';
import { gtlsStatuses as statuses, resumeFrom } from './helpers/early-data.js';
import { makeTestMedia } from './helpers/media.js';
import { gtlsclient } from './helpers/native-quic-peer.js';
import { scratchDir } from './helpers/scratch.js';
import { startTestServer } from './helpers/server.js';

// quicCarefulResume as a node reports it: h3edge_quic_careful_resume_total{outcome} and one
// debug line per outcome, with ngtcp2's gtlsclient on loopback (the jump itself, which needs an
// RTT, is test/h3-careful-resume.test.ts over the emulated link). A short GET grows no window,
// so the first connection leaves no saved path: the resumed one has no state to use.
const media = makeTestMedia();
const server = await startTestServer({ media: media.dir, logLevel: 'debug', quicCarefulResume: true });
t.teardown(() => server.close());
const dir = scratchDir('h3edge-cr-metrics-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const token = join(dir, 'token.pem');

async function metric(outcome: string): Promise<number> {
  const series = `h3edge_quic_careful_resume_total{outcome="${outcome}"}`;
  const h2 = await h2Client(server.origin, server.certs.cert);
  try {
    const line = (await h2.request('/metrics')).body.toString().split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : NaN;
  } finally {
    await h2.close();
  }
}

const careful = (outcome: string): Promise<unknown> => server.logged((l) => l.msg === 'careful resume' && l.outcome === outcome, 1);

t.test('a resumed session without a saved path: no_state', async (t) => {
  const first = await gtlsclient(server.port, ['/content/demo/master.m3u8'], { verbose: true, extra: [...resumeFrom(dir), `--token-file=${token}`, '--wait-for-ticket'], timeoutMs: 30_000 });
  t.equal(first.code, 0, 'first connection', { stderr: first.stderr.slice(-300) });
  t.equal(await metric('no_state'), 0, 'a full handshake has no state to miss');
  const r = await gtlsclient(server.port, ['/content/demo/master.m3u8'], { verbose: true, extra: resumeFrom(dir), timeoutMs: 30_000 });
  t.equal(r.code, 0, 'resumed connection', { stderr: r.stderr.slice(-300) });
  t.same(statuses(r), ['200']);
  await careful('no_state');
  t.equal(await metric('no_state'), 1, 'counted as no_state');
  t.equal(await metric('applied'), 0, 'nothing applied');
});

t.test('a regular token followed by bytes that are no saved path: invalid, the connection goes on', async (t) => {
  const pem = readFileSync(token, 'utf8');
  const regular = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  t.equal(regular.length, 41, 'the kept token is a plain regular token');
  const forged = Buffer.concat([regular, Buffer.from([1]), randomBytes(52)]);
  writeFileSync(token, `-----BEGIN QUIC TOKEN-----\n${forged.toString('base64')}\n-----END QUIC TOKEN-----\n`);
  const r = await gtlsclient(server.port, ['/content/demo/master.m3u8'], { verbose: true, extra: [...resumeFrom(dir), `--token-file=${token}`], timeoutMs: 30_000 });
  t.equal(r.code, 0, 'the connection works', { stderr: r.stderr.slice(-300) });
  t.same(statuses(r), ['200']);
  await careful('invalid');
  t.equal(await metric('invalid'), 1, 'counted as invalid');
  t.equal(await metric('applied'), 0, 'nothing applied');
});
