import t from 'tap';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { join } from 'node:path';
import { run, spawnServe } from './helpers/run.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';

// Two workers behind one port: both serve, and a TLS session from one resumes on the other.
t.test('--workers 2: shared listener, resumption across workers', async (t) => {
  const certs = makeTestCerts();
  const media = makeTestMedia();
  const big = randomBytes(24 * 1024 * 1024);
  writeFileSync(join(media.dir, 'big.mp4'), big);
  const server = await spawnServe(['--open-content', '--workers', '2', '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile]);
  const { child, port } = server;
  t.match(server.stderr(), /with 2 workers/);
  // The node announces itself when its first worker listens; probes need both.
  const listening = await server.logged((l) => l.msg === 'listening', 2);
  t.equal(new Set(listening.map((l) => l.pid)).size, 2, 'both workers listen');
  // Each probe is one TLS connection; the access log line names the worker's pid.
  const lineOf = async (probe: string): Promise<{ pid: number; earlyData?: boolean }> => {
    const [line] = await server.logged((l) => l.msg === 'access' && String(l.path).endsWith(`probe=${probe}`));
    return line as { pid: number; earlyData?: boolean };
  };
  const pidOf = async (probe: string): Promise<number> => (await lineOf(probe)).pid;
  const sessionFile = join(scratchDir('h3edge-sess-'), 'tls.pem');
  const probe = (name: string, resume: boolean) =>
    run(
      'openssl',
      ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', certs.certFile, '-ign_eof', ...(resume ? ['-sess_in', sessionFile] : ['-sess_out', sessionFile])],
      { input: `GET /healthz?probe=${name} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, timeoutMs: 10_000 },
    );
  const first = await probe('first', false);
  t.match(first.stdout, /HTTP\/1\.1 200/);
  const firstPid = await pidOf('first');
  const pids = new Set<number>([firstPid]);
  let resumedElsewhere = false;
  for (let i = 0; i < 12 && !resumedElsewhere; i++) {
    const r = await probe(`resume${i}`, true);
    const pid = await pidOf(`resume${i}`);
    pids.add(pid);
    if (pid !== firstPid && /Reused, TLSv1\.3/.test(r.stdout)) resumedElsewhere = true;
  }
  t.equal(pids.size, 2, `both workers served connections (pids ${[...pids].join(', ')})`);
  t.ok(resumedElsewhere, 'a TLS session from one worker resumed on the other');

  // HTTP/3: a ticket from one worker carries 0-RTT on the other (shared QUIC ticket key).
  const quicDir = scratchDir('h3edge-0rtt-');
  const h3probe = (name: string) =>
    run(
      'gtlsclient',
      ['--exit-on-all-streams-close', '--timeout=10s', '--no-quic-dump', `--session-file=${join(quicDir, 's.pem')}`, `--tp-file=${join(quicDir, 'tp')}`, '127.0.0.1', String(port), `https://localhost:${port}/healthz?probe=${name}`],
      { timeoutMs: 20_000 },
    );
  await h3probe('h3first');
  let issuer = (await lineOf('h3first')).pid;
  let earlyElsewhere = false;
  for (let i = 0; i < 12 && !earlyElsewhere; i++) {
    const r = await h3probe(`h3resume${i}`);
    const line = await lineOf(`h3resume${i}`);
    if (line?.earlyData === true && line.pid !== issuer && !/Early data was rejected/.test(r.stderr + r.stdout)) earlyElsewhere = true;
    issuer = line?.pid;
  }
  t.ok(earlyElsewhere, 'an HTTP/3 request in 0-RTT was accepted by the worker that did not issue the ticket');

  // /metrics speaks for the node: whichever worker is scraped, it reports the sum over both.
  const before = await scrapeSum();
  const servedBy = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const c = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
    const r = c.request({ ':path': `/content/nope-${i}.m4s?scrape=${i}` }, { endStream: true });
    r.resume();
    await once(r, 'end');
    c.close();
    const [line] = await server.logged((l) => l.msg === 'access' && String(l.path).endsWith(`scrape=${i}`));
    servedBy.add(line?.pid as number);
  }
  t.equal(servedBy.size, 2, 'the 12 requests were served by both workers');
  t.equal((await scrapeSum()) - before, 12, 'a single scrape counts all 12 404s, whichever worker answered it');

  async function scrapeSum(): Promise<number> {
    const c = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
    const r = c.request({ ':path': '/metrics' }, { endStream: true });
    let text = '';
    r.on('data', (d: Buffer) => (text += d));
    await once(r, 'end');
    c.close();
    return text
      .split('\n')
      .filter((l) => l.startsWith('h3edge_requests_total{') && l.includes('status="404"'))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  }

  // An in-flight download survives the drain of the whole node.
  const session = http2.connect(`https://localhost:${port}`, { ca: certs.cert });
  const req = session.request({ ':path': '/content/big.mp4' }, { endStream: true });
  const chunks: Buffer[] = [];
  await once(req, 'response');
  chunks.push((await once(req, 'data'))[0] as Buffer);
  req.pause();
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  // Resume only once both workers are draining, so the download really spans the drain.
  await server.logged((l) => l.msg === 'shutting down', 2);
  req.on('data', (c: Buffer) => chunks.push(c));
  req.resume();
  await once(req, 'end');
  session.close();
  const [code] = await exited;
  t.ok(Buffer.concat(chunks).equals(big), 'the in-flight download completed byte-exact');
  t.equal(code, 0, 'the node drains both workers and exits 0');
});
