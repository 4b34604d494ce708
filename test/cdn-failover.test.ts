import t from 'tap';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { freePort, startTestServer } from './helpers/server.js';
import { makeTestCerts } from './helpers/certs.js';
import { launchChromium } from './helpers/browser.js';
import { makeClearTitle } from './helpers/clear-title.js';
import { scratchDir } from './helpers/scratch.js';

// Two edges with the same media and the same token keys; the API ranks edge A first. A is
// stopped mid-playback: the player must carry on from B (BaseURL failover) without an error.
t.test('preferred edge stops mid-playback; the player continues from the other', async (t) => {
  const media = scratchDir('h3edge-failover-');
  makeClearTitle(media, 'film', 40);
  mkdirSync(join(media, 'player'));
  copyFileSync(join(import.meta.dirname, 'fixtures/players/dash-failover.html'), join(media, 'player/index.html'));
  copyFileSync(join(import.meta.dirname, '../node_modules/dashjs/dist/modern/umd/dash.all.min.js'), join(media, 'player/dash.all.min.js'));
  const keyFile = join(scratchDir('h3edge-failover-keys-'), 'tokens.json');
  writeFileSync(keyFile, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const certs = makeTestCerts();
  const [portA, portB] = [await freePort(), await freePort()];
  const cdns = [
    { id: 'edge-a', baseUrl: `https://localhost:${portA}/`, regions: ['lab'] },
    { id: 'edge-b', baseUrl: `https://localhost:${portB}/`, regions: [] },
  ];
  const common = {
    media,
    host: '::',
    tokenKeys: keyFile,
    openContent: true,
    cdns,
    regionPrefixes: { '::/0': 'lab', '0.0.0.0/0': 'lab' },
    shutdownGraceMs: 0,
    cdnProbeIntervalMs: 250,
  };
  const edgeA = await startTestServer({ ...common, port: portA }, certs);
  const edgeB = await startTestServer({ ...common, port: portB }, certs);
  t.teardown(() => edgeB.close());
  const browser = await launchChromium({ port: [portA, portB], spki: certs.spki });
  t.teardown(() => browser.close());
  const page = await browser.context.newPage();
  // The page and the API live on B; A is only a CDN, ranked first for this client's region.
  await page.goto(`https://localhost:${portB}/content/player/index.html?title=film`);
  const video = () => page.evaluate(() => ({
    t: (document.getElementById('v') as HTMLVideoElement).currentTime,
    errors: (window as unknown as { errors: string[] }).errors,
    downloadFailures: (window as unknown as { downloadFailures: string[] }).downloadFailures.length,
    rebuffers: (window as unknown as { rebuffers: number }).rebuffers,
    hosts: (window as unknown as { hosts: string[] }).hosts,
  }));
  await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 4, null, { timeout: 60_000 });
  const before = await video();
  t.ok(before.hosts.every((h) => h === `localhost:${portA}`), `segments came from edge A first (${[...new Set(before.hosts)].join(',')})`);

  await edgeA.close();
  const stoppedAt = before.t;
  await page.waitForFunction((from) => (document.getElementById('v') as HTMLVideoElement).currentTime > from + 12, stoppedAt, { timeout: 60_000 });
  const after = await video();
  t.same(after.errors, [], 'no player error');
  t.equal(after.rebuffers, 0, 'no rebuffering: the switch happened within the buffer');
  t.comment(`segment downloads that failed on edge A and were retried on B: ${after.downloadFailures}`);
  t.ok(after.t > stoppedAt + 12, `playback continued ${(after.t - stoppedAt).toFixed(1)} s past the stop`);
  t.ok(after.hosts.slice(before.hosts.length).some((h) => h === `localhost:${portB}`), 'later segments came from edge B');

  // The steering server (on B, which owns the session) has seen A's health probes fail.
  const sessionId = await page.evaluate(() => (window as unknown as { grant: { sessionId: string } }).grant.sessionId);
  const steering = async (format: string) => {
    const r = await fetch(`https://localhost:${portB}/v1/steering/${sessionId}${format}`, { dispatcher: new Agent({ connect: { ca: certs.cert } }) });
    return (await r.json()) as Record<string, string[]>;
  };
  await edgeB.logged((l) => l.msg === 'cdn health changed' && l.cdn === 'edge-a' && l.health === 'down');
  const dash = await steering('?format=dash');
  t.same(dash['SERVICE-LOCATION-PRIORITY'], ['edge-b', 'edge-a'], 'DASH steering puts the dead edge last');
  const hls = await steering('');
  t.same(hls['PATHWAY-PRIORITY'], ['edge-b', '.'], 'HLS steering too (edge A is the "." pathway of this session)');
});
