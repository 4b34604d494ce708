import t, { type Test } from 'tap';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { H3EDGE, run, spawnServe } from './helpers/run.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';
import { startTestServer } from './helpers/server.js';

const certs = makeTestCerts();
const media = makeTestMedia();
const dir = scratchDir('h3edge-cli-');
const serve = (...args: string[]) => run(process.execPath, [...H3EDGE, 'serve', ...args], { timeoutMs: 30_000 });
const tls = ['--cert', certs.certFile, '--key', certs.keyFile];

/** Exit code 2 and exactly one line on stderr that names the problem. */
function expectConfigFailure(t: Test, r: Awaited<ReturnType<typeof run>>, pattern: RegExp): void {
  t.equal(r.code, 2, 'exit code 2');
  const lines = r.stderr.trim().split('\n');
  t.match(lines[0], pattern);
  t.equal(lines.length, 1, 'one line');
  t.notMatch(r.stderr, /\s+at\s+\S+\s+\(/, 'no stack trace');
}

t.test('bad config files are refused with exit code 2', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown.json', { port: 1, colour: 'blue' }, /unknown key "colour"/],
    ['type.json', { port: 'eighty' }, /"port" must be an integer port/],
    ['enum.json', { logLevel: 'loud' }, /"logLevel" must be one of/],
    ['cc.json', { quicCongestionControl: 'vegas' }, /"quicCongestionControl" must be one of bbr2, bbr, cubic, reno/],
    ['rotation.json', { ticketKeyRotationSeconds: 30 * 86400 }, /"ticketKeyRotationSeconds" must be an integer from 0/],
    ['iw.json', { quicInitialWindowPackets: 1 }, /"quicInitialWindowPackets" must be an integer from 2 to 128 packets/],
    ['0rtt-window.json', { quicEarlyDataWindowSec: 0 }, /"quicEarlyDataWindowSec" must be an integer from 1 to 3600 seconds/],
    ['qlog-ratio.json', { qlogSampleRatio: 1.5 }, /"qlogSampleRatio" must be a number from 0 to 1/],
    ['early-policy.json', { earlyData: { routes: [{ match: '/*', policy: 'maybe' }] } }, /"earlyData\.routes\[0\]\.policy" must be one of accept, reject, got "maybe"/],
    ['early-match.json', { earlyData: { routes: [{ match: '/v1/*/x', policy: 'reject' }] } }, /"earlyData\.routes\[0\]\.match" must be a path pattern/],
    ['early-switch.json', { earlyData: { enabled: 'yes' } }, /"earlyData\.enabled" must be true or false, got "yes"/],
  ];
  for (const [name, body, pattern] of cases) {
    writeFileSync(join(dir, name), JSON.stringify(body));
    expectConfigFailure(t, await serve('--config', join(dir, name), ...tls), pattern);
  }
  writeFileSync(join(dir, 'broken.json'), '{ nope');
  expectConfigFailure(t, await serve('--config', join(dir, 'broken.json'), ...tls), /invalid JSON/);
  expectConfigFailure(t, await serve('--config', join(dir, 'absent.json')), /absent\.json: ENOENT/);
  expectConfigFailure(t, await serve('--bogus-flag'), /Unknown option '--bogus-flag'/);
  expectConfigFailure(t, await serve('--port', 'x', ...tls), /--port must be a non-negative integer/);
  writeFileSync(join(dir, 'not-a-dir'), '');
  expectConfigFailure(t, await serve('--qlog-dir', join(dir, 'not-a-dir', 'qlog'), ...tls), /qlogDir .*not-a-dir\/qlog: ENOTDIR/);
  expectConfigFailure(t, await serve('--cert', join(dir, 'missing.pem'), '--key', certs.keyFile), /certificate file .*missing\.pem: ENOENT/);
});

t.test('an occupied port is refused with exit code 2', async (t) => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  t.teardown(() => blocker.close());
  expectConfigFailure(t, await serve('--host', '127.0.0.1', '--port', String(port), ...tls), new RegExp(`port ${port}/TCP is already in use`));
});

t.test('SIGTERM lets an in-flight download finish, then exits 0', async (t) => {
  const big = randomBytes(48 * 1024 * 1024);
  writeFileSync(join(media.dir, 'big.mp4'), big);
  // One process: the drain of a single server is what this checks (test/workers.test.ts covers a cluster).
  const server = await spawnServe(['--open-content', '--workers', '1', '--host', '127.0.0.1', '--port', '0', '--media', media.dir, ...tls, '--log-level', 'info'], 60_000);
  const { child, port } = server;
  const session = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
  const req = session.request({ ':path': '/content/big.mp4' }, { endStream: true });
  const chunks: Buffer[] = [];
  await once(req, 'response');
  const first = (await once(req, 'data'))[0] as Buffer;
  chunks.push(first);
  req.pause();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  // Probe only once the server has begun draining (its own log line says so).
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (server.stdout().includes('"shutting down"')) {
        clearInterval(poll);
        resolve();
      }
    }, 10);
  });
  const refused = await new Promise<boolean>((resolve) => {
    const probe = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
    const giveUp = setTimeout(() => {
      probe.destroy();
      resolve(false);
    }, 5000);
    probe.once('error', () => {
      clearTimeout(giveUp);
      resolve(true);
    });
    probe.once('connect', () => {
      clearTimeout(giveUp);
      probe.close();
      resolve(false);
    });
  });
  req.on('data', (c: Buffer) => chunks.push(c));
  req.resume();
  await once(req, 'end');
  session.close();
  const [code] = await exited;
  t.ok(refused, 'new connections are refused while draining');
  t.ok(Buffer.concat(chunks).equals(big), 'in-flight download completed byte-exact');
  t.equal(code, 0, 'exit code 0');
});

t.test('every subcommand answers --help with its own usage on stdout, exit 0, without doing anything', async (t) => {
  const cli = (...args: string[]) => run(process.execPath, [...H3EDGE, ...args], { timeoutMs: 30_000 });
  const cases: Array<[string[], RegExp]> = [
    [['serve', '--help'], /^usage: h3edge serve \[--port 8443\][^]*--upstream-ca F/],
    [['serve', '--port', '1', '-h'], /^usage: h3edge serve /],
    [['package', '--help'], /^usage: h3edge package <input\|lavfi:testsrc2> --out[^]*--encrypt/],
    [['fill', '--help'], /^usage: h3edge fill --upstream https:\/\/origin:8443 --media DIR/],
    [['help', 'fill'], /^usage: h3edge fill /],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(...args)));
  cases.forEach(([args, usage], i) => {
    const r = results[i]!;
    t.equal(r.code, 0, `h3edge ${args.join(' ')}: exit 0`);
    t.match(r.stdout, usage, `h3edge ${args.join(' ')}: its own usage`);
    t.match(r.stdout, /README\.md, section "/, 'points to the README section with every default and limit');
    t.equal(r.stderr, '', 'nothing on stderr');
  });
  t.notMatch(results[0]!.stdout, /h3edge package|h3edge fill/, 'serve --help shows serve alone');
  const all = await cli('--help');
  t.equal(all.code, 0);
  for (const c of ['serve', 'package', 'fill']) t.match(all.stdout, new RegExp(`h3edge ${c} `), `h3edge --help lists ${c}`);
  const wrong = await cli('serve', '--bogus');
  t.equal(wrong.code, 2, 'an unknown flag is still a usage error');
  t.match(wrong.stderr, /Unknown option '--bogus' \(see h3edge serve --help\)/);
});

t.test('an IPv4-only --host is warned about: Chromium reaches localhost over HTTP/3 at ::1 only', async (t) => {
  const v4 = await startTestServer({ host: '127.0.0.1', media: media.dir });
  t.teardown(() => v4.close());
  const warning = v4.logs.filter((l) => l.level === 40 && /Chromium resolves localhost to ::1/.test(String(l.msg)));
  t.equal(warning.length, 1, 'one warning line naming the cause and the fix');
  t.match(warning[0], { host: '127.0.0.1', msg: /listen on :: \(default\) or ::1/ });
  const dual = await startTestServer({ host: '::', media: media.dir });
  t.teardown(() => dual.close());
  t.same(dual.logs.filter((l) => /resolves localhost/.test(String(l.msg))), [], 'no warning on ::');
});
