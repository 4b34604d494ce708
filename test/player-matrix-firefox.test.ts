import t from 'tap';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { runPlayerMatrix } from './helpers/player-matrix.js';
import { launchEngine } from './helpers/engines.js';
import { startTestServer } from './helpers/server.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';

// Firefox ESR (WebDriver BiDi) × {hls.js, dash.js, Shaka} × {clear film with a second audio
// language and subtitles, byte-range episode, ClearKey film through a playback session}, all over
// HTTP/3, trusting the node through the local CA in its certificate store.
await runPlayerMatrix(t, 'firefox');

/** What Firefox shows for `https://localhost:<port>/healthz`: the node's answer, or its error page. */
async function firefoxOpens(certs: TestCerts, serverCerts: TestCerts, trustCa: boolean): Promise<string> {
  const server = await startTestServer({ media: makeTestMedia().dir, host: '::', logLevel: 'warn' }, serverCerts);
  const browser = await launchEngine('firefox', { port: server.port, certs, trustCa });
  try {
    const page = await browser.browser.newPage();
    await page.goto(`${server.origin}/healthz`).catch((err: Error) => err);
    return await page.evaluate(() => `${document.documentURI.split('?')[0]} ${document.body?.innerText.slice(0, 200) ?? ''}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

t.test('Firefox trusts the node only through the imported CA, and refuses a CA used as server certificate', async (t) => {
  const certs = makeTestCerts();
  t.match(await firefoxOpens(certs, certs, true), /^https:\/\/localhost:\d+\/healthz [^]*status[^]*ok/, 'with the CA in its store: the node answers');
  t.match(await firefoxOpens(certs, certs, false), /^about:certerror/, 'without it: the certificate error page, no answer from the node');
  // The shape `make setup` made before: one self-signed CA:TRUE certificate, imported as the CA.
  const dir = scratchDir('h3edge-ca-as-leaf-');
  execFileSync('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=localhost'],
    ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
  ], { stdio: 'ignore' });
  const caAsLeaf: TestCerts = { ...certs, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), caFile: join(dir, 'cert.pem') };
  t.match(await firefoxOpens(caAsLeaf, caAsLeaf, true), /^about:certerror/, 'a CA certificate as the server certificate is refused even when imported');
});
