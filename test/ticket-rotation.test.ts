import t, { type Test } from 'tap';
import { once } from 'node:events';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import tls from 'node:tls';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { run, spawnServe, type ServeProcess } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// Session-ticket key rotation on a real node. SIGHUP rotates the TLS and QUIC ticket keys: a
// ticket issued before one rotation still resumes (over QUIC with its 0-RTT accepted), one issued
// before two rotations gets a full handshake, and the request succeeds either way. A node with
// workers rotates in every worker at once; ticketKeyRotationSeconds rotates on its own.

/** One HTTP/2 GET on a fresh TLS connection, offering `ticket` if given. */
async function h2Get(port: number, ca: Buffer, path: string, ticket?: Buffer): Promise<{ status: number; alpn: string; resumed: boolean; ticket?: Buffer }> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2'], ...(ticket ? { session: ticket } : {}) });
  let issued: Buffer | undefined;
  socket.on('session', (s: Buffer) => (issued = s));
  await once(socket, 'secureConnect');
  const client = http2.connect(`https://localhost:${port}`, { createConnection: () => socket });
  try {
    const req = client.request({ ':path': path }, { endStream: true });
    const [headers] = (await once(req, 'response')) as [http2.IncomingHttpHeaders];
    req.resume();
    await once(req, 'end');
    return { status: Number(headers[':status']), alpn: String(socket.alpnProtocol), resumed: socket.isSessionReused(), ...(issued ? { ticket: issued } : {}) };
  } finally {
    client.close();
  }
}

/** A sample from the node's /metrics (summed over workers; gauges like the key generation: the lowest). */
async function metric(port: number, ca: Buffer, series: string): Promise<number> {
  const client = http2.connect(`https://localhost:${port}`, { ca });
  try {
    const req = client.request({ ':path': '/metrics' }, { endStream: true });
    let text = '';
    req.on('data', (d: Buffer) => (text += d));
    await once(req, 'end');
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : NaN;
  } finally {
    client.close();
  }
}

/** Resolves once each of the node's `processes` logged its switch to key generation `generation`. */
async function rotatedTo(server: ServeProcess, generation: number, processes: number): Promise<void> {
  await server.logged((l) => l.msg === 'rotated session-ticket keys' && l.generation === generation, processes);
}

/** The access-log line of the request carrying `probe`, as soon as it is written. */
async function accessLine(server: ServeProcess, probe: string): Promise<{ earlyData?: boolean; status?: number }> {
  const [line] = await server.logged((l) => l.msg === 'access' && String(l.path).endsWith(`probe=${probe}`));
  return line as { earlyData?: boolean; status?: number };
}

async function startNode(t: Test, workers: number, certs: TestCerts, extra: string[] = []): Promise<ServeProcess> {
  const media = makeTestMedia();
  const server = await spawnServe(['--open-content', '--workers', String(workers), '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile, ...extra]);
  t.teardown(async () => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return;
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    await exited;
  });
  return server;
}

for (const workers of [1, 2]) {
  t.test(`--workers ${workers}: after one SIGHUP old tickets resume (QUIC: 0-RTT), after two a full handshake`, async (t) => {
    const certs = makeTestCerts();
    const server = await startNode(t, workers, certs);
    const { port } = server;
    const ca = certs.cert;
    const dir = scratchDir('h3edge-rotation-');
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const quicTicket = join(dir, 'issued.pem');
    const quicTry = join(dir, 'session.pem');
    const gtls = (sessionFile: string, probe: string) =>
      run(
        'gtlsclient',
        ['--exit-on-all-streams-close', '--timeout=10s', '--no-quic-dump', `--session-file=${sessionFile}`, `--tp-file=${join(dir, 'tp.bin')}`, '127.0.0.1', String(port), `https://localhost:${port}/healthz?probe=${probe}`],
        { timeoutMs: 30_000 },
      );
    // gtlsclient overwrites its session file with each new ticket: every try starts from the first one.
    const quicResume = (probe: string) => {
      copyFileSync(quicTicket, quicTry);
      return gtls(quicTry, probe);
    };
    const resumedTcp = () => metric(port, ca, 'h3edge_tls_handshakes_total{resumed="true"}');

    await server.logged((l) => l.msg === 'listening', workers);
    const generation = () => metric(port, ca, 'h3edge_tls_ticket_key_generation');
    t.equal(await generation(), 1, 'the node starts at key generation 1');
    const tcpFirst = await h2Get(port, ca, '/healthz?probe=tcp-first');
    t.equal(tcpFirst.status, 200);
    t.equal(tcpFirst.alpn, 'h2', 'h2 by ALPN');
    t.ok(tcpFirst.ticket, 'a TLS ticket was issued');
    const quicFirst = await gtls(quicTicket, 'quic-first');
    t.equal(quicFirst.code, 0, 'gtlsclient: full handshake', { stderr: quicFirst.stderr.slice(-300) });
    t.match(readFileSync(quicTicket, 'utf8'), /BEGIN GNUTLS SESSION PARAMETERS/, 'a QUIC ticket was issued');

    server.child.kill('SIGHUP');
    await rotatedTo(server, 2, workers);
    t.equal(await generation(), 2, 'after SIGHUP every process uses key generation 2');
    const resumedBefore = await resumedTcp();
    const tcpOnce = await h2Get(port, ca, '/healthz?probe=tcp-once', tcpFirst.ticket);
    t.equal(tcpOnce.status, 200);
    t.ok(tcpOnce.resumed, 'TCP: a ticket from before the rotation resumes');
    t.equal(await resumedTcp(), resumedBefore + 1, 'h3edge_tls_handshakes_total{resumed="true"} counted it');
    const tcpRenewed = tcpOnce.ticket;
    t.ok(tcpRenewed, 'and the resumed connection got a fresh ticket');
    const quicOnce = await quicResume('quic-once');
    t.equal(quicOnce.code, 0, 'gtlsclient exit 0', { stderr: quicOnce.stderr.slice(-300) });
    t.notMatch(quicOnce.stderr + quicOnce.stdout, /Early data was rejected/, 'QUIC: the client saw its 0-RTT accepted');
    t.equal((await accessLine(server, 'quic-once'))?.earlyData, true, 'the request was served from 0-RTT');

    server.child.kill('SIGHUP');
    await rotatedTo(server, 3, workers);
    t.equal(await generation(), 3, 'after the second SIGHUP: key generation 3');
    const tcpTwice = await h2Get(port, ca, '/healthz?probe=tcp-twice', tcpFirst.ticket);
    t.equal(tcpTwice.status, 200, 'TCP: a ticket two rotations old still gets its answer');
    t.notOk(tcpTwice.resumed, 'after a full handshake');
    const tcpRenewedOnce = await h2Get(port, ca, '/healthz?probe=tcp-renewed', tcpRenewed);
    t.ok(tcpRenewedOnce.resumed, 'TCP: the ticket renewed at the first rotation is under generation 2 and resumes');
    const quicTwice = await quicResume('quic-twice');
    t.equal(quicTwice.code, 0, 'QUIC: a ticket two rotations old still gets its answer', { stderr: quicTwice.stderr.slice(-300) });
    t.match(quicTwice.stderr + quicTwice.stdout, /Early data was rejected/, 'its 0-RTT was refused');
    const twiceLine = await accessLine(server, 'quic-twice');
    t.equal(twiceLine?.status, 200, 'answered after the full handshake');
    t.not(twiceLine?.earlyData, true, 'not from 0-RTT');
  });
}

t.test('ticketKeyRotationSeconds rotates without a signal', async (t) => {
  const certs = makeTestCerts();
  const dir = scratchDir('h3edge-rotation-config-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ticketKeyRotationSeconds: 1 }));
  const server = await startNode(t, 1, certs, ['--config', join(dir, 'config.json')]);
  await rotatedTo(server, 3, 1);
  t.ok((await metric(server.port, certs.cert, 'h3edge_tls_ticket_key_generation')) >= 3, 'two periods later the node is past key generation 3');
  const lines = server.stdout().split('\n').filter((l) => l.includes('"rotated session-ticket keys"'));
  t.ok(lines.length >= 2, 'each rotation is logged');
});

t.test('TLS tickets over TCP live as long as QUIC ones (6 h), also after a certificate reload', async (t) => {
  const certs = makeTestCerts();
  const server = await startNode(t, 1, certs);
  const hint = async (): Promise<string | undefined> => {
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', certs.certFile, '-ign_eof'], {
      input: 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      timeoutMs: 10_000,
    });
    return /TLS session ticket lifetime hint: (\d+)/.exec(r.stdout)?.[1];
  };
  t.equal(await hint(), '21600', 'lifetime hint of a fresh ticket');
  server.child.kill('SIGHUP');
  await server.logged((l) => String(l.msg).startsWith('reloaded certificate'));
  t.equal(await hint(), '21600', 'unchanged by the reloaded context');
});
