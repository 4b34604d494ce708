import t, { type Test } from 'tap';
import { once } from 'node:events';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestMedia } from './helpers/media.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { freePort } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { spawnServe, type ServeProcess } from './helpers/run.js';
import type { LogLine } from './helpers/log-watch.js';
import { scratchDir } from './helpers/scratch.js';

/** One request on a fresh connection (so a multi-worker node spreads them over its workers). */
async function get(port: number, certs: TestCerts, path: string): Promise<{ status: number; code: string | undefined }> {
  const client = await h2Client(`https://localhost:${port}`, certs.cert);
  try {
    const res = await client.request(path);
    const code = res.status >= 400 ? (JSON.parse(res.body.toString()) as { error?: { code?: string } }).error?.code : undefined;
    return { status: res.status, code };
  } finally {
    await client.close();
  }
}

/** A config file in a fresh directory, and a way to rewrite it. */
function configFile(fields: Record<string, unknown>): { path: string; write(next: Record<string, unknown> | string): void } {
  const path = join(scratchDir('h3edge-config-'), 'h3edge.json');
  const write = (next: Record<string, unknown> | string): void => writeFileSync(path, typeof next === 'string' ? next : JSON.stringify(next));
  write(fields);
  return { path, write };
}

async function startWithConfig(t: Test, fields: Record<string, unknown>): Promise<{ server: ServeProcess; config: ReturnType<typeof configFile> }> {
  const config = configFile(fields);
  const server = await spawnServe(['--config', config.path]);
  t.teardown(async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await exited;
  });
  return { server, config };
}

function baseConfig(certs: TestCerts, port: number): Record<string, unknown> {
  return { host: '127.0.0.1', port, media: makeTestMedia().dir, cert: certs.certFile, key: certs.keyFile, workers: 1, logLevel: 'info', openContent: true, shutdownGraceMs: 1000 };
}

const MANIFEST = '/content/demo/master.m3u8';
const isReloaded = (line: LogLine): boolean => String(line.msg).startsWith('reloaded');
const isReloadError = (line: LogLine): boolean => String(line.msg).startsWith('reload failed');

/** Junk instead of a TLS ClientHello: the server logs the failed handshake at debug level. */
async function failedHandshake(port: number): Promise<void> {
  const socket = net.connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\n\r\n'));
  socket.on('error', () => {});
  await once(socket, 'close');
}

t.test('SIGHUP applies live settings from the config file and leaves restart-only ones for a restart', async (t) => {
  const certs = makeTestCerts();
  const port = await freePort();
  const base = baseConfig(certs, port);
  const { server, config } = await startWithConfig(t, base);
  t.equal(server.port, port, 'serves on the port of the config file');
  t.equal((await get(port, certs, MANIFEST)).status, 200, 'open content before the reload');

  const otherPort = await freePort();
  config.write({ ...base, openContent: false, logLevel: 'debug', port: otherPort });
  server.child.kill('SIGHUP');
  const [reloaded] = await server.logged(isReloaded);
  t.same([...(reloaded?.changed as string[])].sort(), ['logLevel', 'openContent'], 'the info line names the applied fields');
  const [restart] = await server.logged((l) => l.msg === 'changed settings take effect on restart');
  t.same(restart?.fields, ['port'], 'the warning names the restart-only field');
  t.equal(restart?.level, 40, 'at warn level');

  t.same(await get(port, certs, MANIFEST), { status: 403, code: 'token_missing' }, 'open content is off (on the port it started with): a token is required');
  await failedHandshake(port);
  await server.logged((l) => l.msg === 'tls handshake failed');
  t.pass('the new log level shows debug lines');
  t.ok(!server.logs().some(isReloadError), 'no reload error');
});

t.test('a config file that became invalid keeps the node running with its whole previous config', async (t) => {
  const certs = makeTestCerts();
  const base = baseConfig(certs, await freePort());
  const { server, config } = await startWithConfig(t, base);

  config.write('{"openContent": false,');
  server.child.kill('SIGHUP');
  const [badJson] = await server.logged(isReloadError);
  t.match(badJson, { level: 50, err: /invalid JSON/ }, 'one error line naming the problem');
  t.ok(String(badJson?.err).includes(config.path), 'and the file');
  t.equal((await get(server.port, certs, MANIFEST)).status, 200, 'still serving with the previous config');

  config.write({ ...base, openContent: false, shutdownGraceMs: -1 });
  server.child.kill('SIGHUP');
  const badValue = (await server.logged(isReloadError, 2))[1];
  t.match(badValue, { err: /"shutdownGraceMs" must be a non-negative integer/ });
  t.equal((await get(server.port, certs, MANIFEST)).status, 200, 'the valid fields of an invalid file are not applied');

  config.write({ ...base, openContent: false, cert: join(tmpdir(), 'h3edge-no-such-cert.pem') });
  server.child.kill('SIGHUP');
  const badCert = (await server.logged(isReloadError, 3))[2];
  t.match(badCert, { err: /h3edge-no-such-cert\.pem/ }, 'a certificate that cannot be read fails the reload');
  t.equal((await get(server.port, certs, MANIFEST)).status, 200, 'and nothing of that config is applied');
  t.notOk(server.logs().some(isReloaded), 'no reload succeeded');
  t.equal(server.child.exitCode, null, 'the server is still running');
});

t.test('with --workers 2 every worker re-reads the file; a bad file and a replaced worker keep the node config', async (t) => {
  const certs = makeTestCerts();
  const base = { ...baseConfig(certs, await freePort()), workers: 2 };
  const { server, config } = await startWithConfig(t, base);
  const started = await server.logged((l) => l.msg === 'listening', 2);
  const workerPids = new Set(started.map((l) => l.pid));
  t.equal(workerPids.size, 2, 'two workers');

  config.write({ ...base, openContent: false });
  server.child.kill('SIGHUP');
  const reloads = await server.logged(isReloaded, 2);
  t.same(new Set(reloads.map((l) => l.pid)), workerPids, 'each worker reloaded');
  t.ok(reloads.every((l) => (l.changed as string[]).includes('openContent')));

  /** Requests on fresh connections until every pid in `pids` answered one; all must be 403. */
  const allRefuse = async (pids: Set<unknown>, tag: string): Promise<void> => {
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await get(server.port, certs, `${MANIFEST}?${tag}=${i}`));
    t.same(answers, Array(12).fill({ status: 403, code: 'token_missing' }), `${tag}: every request needs a token`);
    // Each access line is written as its response completes: wait for all twelve.
    const lines = await server.logged((l) => l.msg === 'access' && String(l.path).includes(`?${tag}=`), 12);
    const answered = new Set(lines.map((l) => l.pid));
    for (const pid of pids) t.ok(answered.has(pid), `worker ${String(pid)} answered with the reloaded config`);
  };
  await allRefuse(workerPids, 'after-reload');

  config.write('not json');
  server.child.kill('SIGHUP');
  const errors = await server.logged(isReloadError, 2);
  t.same(new Set(errors.map((l) => l.pid)), workerPids, 'each worker logs the bad file');
  t.equal(server.child.exitCode, null, 'the primary keeps running');

  // A replacement worker starts with what its siblings run, not with the (now broken) file.
  const [victim] = [...workerPids] as number[];
  process.kill(victim as number, 'SIGKILL');
  const [replacement] = await server.logged((l) => l.msg === 'listening' && !workerPids.has(l.pid));
  const survivor = [...workerPids].find((p) => p !== victim);
  await allRefuse(new Set([survivor, replacement?.pid]), 'after-replacement');
});
