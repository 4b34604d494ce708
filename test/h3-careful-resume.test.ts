import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkEmulator, buildRelay } from '../bench/lossy/link.js';
import { clientFiles, gtlsDownload, startNativeInNetns, type NativeInNetns, type ServedLine } from '../bench/lossy/native-in-netns.js';
import { makeTestCerts } from './helpers/certs.js';
import { scratchDir } from './helpers/scratch.js';

// quicCarefulResume (RFC 9959) with a real peer: ngtcp2's gtlsclient keeps the session ticket,
// transport parameters and the latest NEW_TOKEN token; the engine alone (native-server-main)
// runs in the server namespace of the lossy bench's emulated link, so the RTT is what the relay
// makes it. A first download grows the window and leaves a saved path in the token; a resumed
// connection over the same path jumps, one over a path with another RTT does not, one over a
// narrower path jumps and retreats, and a token whose saved path was altered is refused as
// state and still proves the address.
const LINK = { rttMs: 100, rateMbitPerSec: 50, lossPercent: 0 };
const BODY_BYTES = 4 * 1024 * 1024;
// ngtcp2's regular token (NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN) and our sealed saved path after it.
const REGULAR_TOKEN_BYTES = 41;
const SAVED_PATH_BYTES = 53;

/** The token gtlsclient keeps (PEM "QUIC TOKEN"), as bytes. */
function readToken(file: string): Buffer {
  const pem = readFileSync(file, 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function writeToken(file: string, token: Buffer): void {
  writeFileSync(file, `-----BEGIN QUIC TOKEN-----\n${token.toString('base64')}\n-----END QUIC TOKEN-----\n`);
}

t.test('careful resume: applied on the same path, retreats on a narrower one, refused on another RTT and for altered state', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const work = scratchDir('h3edge-cr-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => link.destroy());
  await link.configure(LINK, 1);
  const certs = makeTestCerts();
  const servers: NativeInNetns[] = [];
  t.teardown(async () => {
    for (const s of servers) await s.stop();
  });
  const on = await startNativeInNetns(link, work, 'on', 8443, certs, BODY_BYTES, { carefulResume: true });
  servers.push(on);

  let n = 0;
  async function download(server: NativeInNetns, dir: string, resume: { session: boolean; token: boolean }): Promise<ServedLine> {
    const path = `/body${++n}`;
    const r = await gtlsDownload(link, server, dir, path, resume);
    t.equal(r.code, 0, `gtlsclient exits 0 (${r.out.slice(-300)})`);
    t.equal(r.bytes, BODY_BYTES, 'the whole body arrived');
    const line = await server.served(path);
    t.ok(line.completed, `${line.path}: the response completed`);
    return line;
  }
  const clientDir = (name: string, from?: string): string => {
    const dir = join(work, name);
    mkdirSync(dir);
    if (from) for (const f of ['session', 'tp', 'token'] as const) copyFileSync(clientFiles(from)[f], clientFiles(dir)[f]);
    return dir;
  };

  // Cold: nothing to resume from; the tokens it is sent carry the grown window.
  const first = clientDir('first');
  const cold = await download(on, first, { session: true, token: true });
  t.equal(cold.stats.carefulResume, 'none', 'a cold connection has nothing to resume');
  const token = readToken(clientFiles(first).token);
  t.equal(token.length, REGULAR_TOKEN_BYTES + SAVED_PATH_BYTES, 'the kept token is a regular token followed by a saved path');
  const saved = clientDir('saved', first);

  // Same path, same RTT: the window jumps.
  const resumed = await download(on, clientDir('resumed', saved), { session: true, token: true });
  t.equal(resumed.stats.carefulResume, 'applied', 'a resumed connection on the same path jumps');
  t.equal(resumed.carefulResume.applied, 1, 'counted as applied');

  // The saved path altered (one bit of its ciphertext): not used, and the regular token before it still proves the address.
  const altered = clientDir('altered', saved);
  const bad = Buffer.from(token);
  bad[REGULAR_TOKEN_BYTES + 20] = (bad[REGULAR_TOKEN_BYTES + 20] as number) ^ 1;
  writeToken(clientFiles(altered).token, bad);
  const tampered = await download(on, altered, { session: true, token: true });
  t.equal(tampered.stats.carefulResume, 'invalid', 'an altered saved path is refused');
  t.equal(tampered.carefulResume.invalid, 1, 'counted as invalid');
  t.equal(tampered.carefulResume.applied, 1, 'and not applied');

  // A resumed session without a token: nothing saved to resume from.
  const sessionOnly = await download(on, clientDir('session-only', saved), { session: true, token: false });
  t.equal(sessionOnly.stats.carefulResume, 'no_state', 'a resumed session without a saved path');

  // The same saved path again (a replay is harmless: the RTT check guards it), now over a 20 ms path: under half the saved RTT.
  await link.configure({ ...LINK, rttMs: 20 }, 1);
  const shorter = await download(on, clientDir('shorter', saved), { session: true, token: true });
  t.equal(shorter.stats.carefulResume, 'rtt_mismatch', 'a path with a fifth of the saved RTT does not jump');
  t.equal(shorter.carefulResume.rtt_mismatch, 1, 'counted as rtt_mismatch');
  t.equal(shorter.carefulResume.applied, 1, 'and not applied');

  // Same RTT, a fifth of the rate: the jump (the saved path's bandwidth-delay product, paced over
  // one RTT) overflows the bottleneck's queue (one BDP of the slower link), and the loss it
  // causes retreats the window.
  await link.configure({ ...LINK, rateMbitPerSec: LINK.rateMbitPerSec / 5 }, 1);
  const slower = await download(on, clientDir('slower', saved), { session: true, token: true });
  t.equal(slower.stats.carefulResume, 'safe_retreat', 'a jump into a narrower path retreats');
  t.equal(slower.carefulResume.safe_retreat, 1, 'counted as safe_retreat');
  t.equal(slower.carefulResume.applied, 2, 'after it was applied');

  // Switched off: the tokens are plain regular tokens and nothing is judged.
  await link.configure(LINK, 1);
  const off = await startNativeInNetns(link, work, 'off', 8444, certs, BODY_BYTES, {});
  servers.push(off);
  const offDir = clientDir('off');
  await download(off, offDir, { session: true, token: true });
  t.equal(readToken(clientFiles(offDir).token).length, REGULAR_TOKEN_BYTES, 'without the switch a token carries no saved path');
  const offResumed = await download(off, clientDir('off-resumed', saved), { session: false, token: true });
  t.equal(offResumed.stats.carefulResume, 'none', 'without the switch a saved path is ignored');
  t.same(offResumed.carefulResume, { applied: 0, rtt_mismatch: 0, no_state: 0, expired: 0, invalid: 0, safe_retreat: 0, congested: 0 }, 'and nothing is counted');
});
