import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { scratchDir } from './helpers/scratch.js';
import { run } from './helpers/run.js';
import { h3Client } from './helpers/clients.js';
import { startTestServer } from './helpers/server.js';
import type { TestCerts } from './helpers/certs.js';

// `make setup`'s certificates (scripts/make-dev-certs.sh): a local CA and a leaf signed by it, as
// browsers require (Firefox refuses a CA used as a server certificate).
const SCRIPT = join(import.meta.dirname, '../scripts/make-dev-certs.sh');

function pems(file: string): X509Certificate[] {
  return (readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}

t.test('the script makes a CA and a CA:FALSE leaf for localhost, 127.0.0.1 and ::1 signed by it, and says how to trust the CA', async (t) => {
  const dir = scratchDir('h3edge-devcerts-');
  const out = execFileSync('bash', [SCRIPT, dir], { encoding: 'utf8' });
  const [leaf, chainedCa, ...rest] = pems(join(dir, 'dev-cert.pem'));
  const [ca] = pems(join(dir, 'dev-ca.pem'));
  t.ok(leaf && chainedCa && ca, 'dev-cert.pem holds the leaf then the CA');
  t.equal(rest.length, 0);
  if (!leaf || !ca || !chainedCa) return;
  t.equal(leaf.ca, false, 'the leaf is not a CA');
  t.equal(ca.ca, true, 'the CA is a CA');
  t.equal(chainedCa.fingerprint256, ca.fingerprint256, 'the chain ends with dev-ca.pem');
  t.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'the leaf is signed by the CA');
  t.same(leaf.subjectAltName?.split(', ').sort(), ['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1']);
  t.ok(leaf.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'serverAuth');
  t.ok(ca.checkIssued(ca), 'the CA is self-signed');
  const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
  t.ok(days > 390 && days <= 398, `leaf valid ${days.toFixed(0)} days (browsers accept at most 398)`);
  t.equal(statSync(join(dir, 'dev-ca-key.pem')).mode & 0o077, 0, 'the CA key is private to its owner');
  const verify = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'dev-ca.pem'), '-purpose', 'sslserver', join(dir, 'dev-cert.pem')], { encoding: 'utf8' });
  t.equal(verify.status, 0, `openssl verify: ${verify.stdout.trim()} ${verify.stderr.trim()}`);
  const spki = readFileSync(join(dir, 'spki.txt'), 'utf8').trim();
  const expected = execFileSync('bash', ['-c', `openssl x509 -in ${join(dir, 'dev-cert.pem')} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`], { encoding: 'utf8' }).trim();
  t.equal(spki, expected, "spki.txt is the leaf's SPKI hash");
  t.match(out, /curl --cacert \S+dev-ca\.pem/, 'prints how to trust the CA with curl');
  t.match(out, /Firefox: .*Authorities → Import/, '… in Firefox');
  t.match(out, new RegExp(`--ignore-certificate-errors-spki-list=${spki.replace(/[+/]/g, '\\$&')}`), "… and the leaf's SPKI hash for Chromium");

  const again = readFileSync(join(dir, 'dev-cert.pem'));
  execFileSync('bash', [SCRIPT, dir], { stdio: 'ignore' });
  t.same(readFileSync(join(dir, 'dev-cert.pem')), again, 'a second run keeps certificates that are still good');
});

t.test('an old self-signed CA:TRUE dev certificate is replaced by a CA and a leaf', async (t) => {
  const dir = scratchDir('h3edge-devcerts-old-');
  execFileSync('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', join(dir, 'dev-key.pem'), '-out', join(dir, 'dev-cert.pem'), '-days', '365', '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
  ], { stdio: 'ignore' });
  t.equal(pems(join(dir, 'dev-cert.pem'))[0]?.ca, true, 'the old shape: a CA used as server certificate');
  execFileSync('bash', [SCRIPT, dir], { stdio: 'ignore' });
  const [leaf] = pems(join(dir, 'dev-cert.pem'));
  t.equal(leaf?.ca, false, 'now a leaf');
  t.ok(leaf?.checkIssued(pems(join(dir, 'dev-ca.pem'))[0]!), 'issued by the new CA');
});

t.test('a client that trusts only the CA (not the leaf) reaches the node as localhost, 127.0.0.1 and [::1]', async (t) => {
  const server = await startTestServer({ host: '::', logLevel: 'warn' });
  t.teardown(() => server.close());
  const certs: TestCerts = server.certs;
  for (const host of ['localhost', '127.0.0.1', '[::1]']) {
    const session = http2.connect(`https://${host}:${server.port}`, { ca: certs.ca });
    const status = await new Promise<number>((resolve, reject) => {
      session.once('error', reject);
      const req = session.request({ ':path': '/healthz' });
      req.once('response', (h) => resolve(Number(h[':status'])));
      req.once('error', reject);
      req.resume();
    });
    session.close();
    t.equal(status, 200, `https://${host}: verified against the CA alone`);
  }
  const h3 = await h3Client(server.origin, certs.ca);
  t.equal((await h3.request('/healthz')).status, 200, 'HTTP/3 (our client over GnuTLS) verifies the chain against the CA alone');
  await h3.close();
  const sClient = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', certs.caFile, '-verify_return_error', '-verify_hostname', 'localhost', '-brief'], {
    timeoutMs: 10_000,
  });
  t.match(sClient.stderr, /Verification: OK/, 'openssl s_client verifies the chain the node sends');
  const curl = await run('curl', ['-sS', '-o', '/dev/null', '--cacert', certs.caFile, `https://localhost:${server.port}/healthz`], { timeoutMs: 10_000 });
  t.equal(curl.code, 0, `curl --cacert dev-ca.pem: ${curl.stderr.trim()}`);
});
