import t from 'tap';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { spawnServe } from './helpers/run.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { scratchDir } from './helpers/scratch.js';

async function get(port: number, ca: Buffer, path: string): Promise<{ status: number; body: string }> {
  const c = http2.connect(`https://localhost:${port}`, { ca });
  c.on('error', () => {});
  try {
    const r = c.request({ ':path': path }, { endStream: true });
    let body = '';
    r.on('data', (d: Buffer) => (body += d));
    const [head] = (await once(r, 'response')) as [http2.IncomingHttpHeaders];
    await once(r, 'end');
    return { status: Number(head[':status']), body };
  } finally {
    c.close();
  }
}

// An operator's worst day: a request that crashes a worker every time. The node must stay up.
t.test('kill -9 of a worker 11 times in a row: restarted with back-off, never a node outage', async (t) => {
  const certs = makeTestCerts();
  const media = makeTestMedia();
  const config = join(scratchDir('h3edge-restarts-'), 'config.json');
  writeFileSync(config, JSON.stringify({ workerRestartDelayMs: 50, workerRestartMaxDelayMs: 400 }));
  const server = await spawnServe(['--config', config, '--open-content', '--workers', '2', '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile], 120_000);
  const isListening = (l: Record<string, unknown>): boolean => l.msg === 'listening';
  const listening = (): number[] => server.logs().filter(isListening).map((l) => l.pid as number);
  await server.logged(isListening, 2);
  const killed: number[] = [];
  for (let i = 0; i < 11; i++) {
    const alive = listening().filter((pid) => !killed.includes(pid));
    const victim = alive[alive.length - 1] as number;
    process.kill(victim, 'SIGKILL');
    killed.push(victim);
    // The node answers while one worker is down.
    t.equal((await get(server.port, certs.cert, '/healthz')).status, 200, `kill ${i + 1}: the node still answers`);
    // Each worker logs 'listening' once: the replacement's line is the (3 + i)th.
    await server.logged(isListening, 3 + i);
    t.equal(listening().filter((pid) => !killed.includes(pid)).length, 2, `kill ${i + 1}: replaced`);
  }
  t.equal(server.child.exitCode, null, 'the primary is still running');
  const restarts = server.logs().filter((l) => l.role === 'primary' && String(l.msg).includes('restart'));
  t.equal(restarts.length, 11, 'one line per restart');
  t.same(
    restarts.map((l) => l.delayMs),
    [50, 100, 200, 400, 400, 400, 400, 400, 400, 400, 400],
    'the delay doubles per crash in a row up to the ceiling',
  );
  t.ok(restarts.slice(4).every((l) => l.msg === 'workers crash in a loop; restarting with back-off' && l.level === 50), 'from the fifth crash in a row: an error line naming the loop');
  const metrics = (await get(server.port, certs.cert, '/metrics')).body;
  t.match(metrics, /^h3edge_worker_restarts_total 11$/m, 'restarts counted');
  t.match(metrics, /^h3edge_worker_crash_loop 1$/m, 'crash loop shown');
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'the node still drains and exits 0');
});
