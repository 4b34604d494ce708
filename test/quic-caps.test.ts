import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeTestMedia } from './helpers/media.js';
import { h2Client, h3Client, type ProtocolClient } from './helpers/clients.js';

// QUIC connection state has caps: handshakes in progress (in total and per client address, also
// for clients that answer Retry) and connections (in total and per address). Beyond them a new
// connection gets CONNECTION_CLOSE (CONNECTION_REFUSED) and the node keeps no state for it.
const media = makeTestMedia();

async function scrape(server: TestServer): Promise<Map<string, number>> {
  const c = await h2Client(server.origin, server.certs.cert);
  const text = (await c.request('/metrics')).body.toString();
  await c.close();
  return new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith('h3edge_quic_'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );
}

/** Median of `n` sequential manifest requests on an open connection. */
async function medianMs(client: ProtocolClient, n = 40): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const r = await client.request('/content/demo/master.m3u8');
    if (r.status !== 200) throw new Error(`well-behaved client got ${r.status}`);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[n >> 1] as number;
}

/** Runs test/helpers/handshake-flood.ts from `addresses`; resolves with each attacker's counts. */
function flood(port: number, addresses: string[], perSecond: number, seconds: number): { started: Promise<void>; done: Promise<Array<Record<string, number>>> } {
  let started: () => void = () => {};
  const running = new Promise<void>((r) => (started = r));
  const done = Promise.all(
    addresses.map(
      (ip) =>
        new Promise<Record<string, number>>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/handshake-flood.ts'), String(port), ip, String(perSecond), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
          const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
          let out = '';
          child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('flooding')) started();
          });
          child.once('exit', () => {
            clearTimeout(killer);
            const last = out.trim().split('\n').pop() ?? '';
            try {
              resolve(JSON.parse(last) as Record<string, number>);
            } catch {
              reject(new Error(`attacker ${ip} printed ${out}`));
            }
          });
        }),
    ),
  );
  return { started: running, done };
}

t.test('a handshake flood from clients that answer Retry is held at the handshake caps', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', handshakeTimeoutMs: 3000, maxQuicHandshakes: 64, maxQuicHandshakesPerIp: 32 });
  t.teardown(() => server.close());
  const good = await h3Client(server.origin, server.certs.cert);
  t.teardown(() => good.close());
  const goodH2 = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => goodH2.close());
  const quiet = { h3: await medianMs(good), h2: await medianMs(goodH2) };
  const rssBefore = process.memoryUsage().rss;
  // Four addresses, 200 new connections a second each, for 8 s: ~6,400 Initials.
  const attack = flood(server.port, ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'], 200, 8);
  await attack.started;
  await new Promise((r) => setTimeout(r, 2000));
  const loud = { h3: await medianMs(good), h2: await medianMs(goodH2) };
  const during = await scrape(server);
  const counts = await attack.done;
  const rssGrownMb = (process.memoryUsage().rss - rssBefore) / 1e6;
  const after = await scrape(server);
  const total = (k: string): number => counts.reduce((n, c) => n + (c[k] ?? 0), 0);
  t.comment(
    `handshake flood: ${total('initials')} Initials, ${total('retriesAnswered')} Retries answered; well-behaved median h3 ${quiet.h3.toFixed(2)} → ${loud.h3.toFixed(2)} ms, h2 ${quiet.h2.toFixed(2)} → ${loud.h2.toFixed(2)} ms; RSS +${rssGrownMb.toFixed(0)} MB`,
  );
  t.ok(total('retriesAnswered') > 1000, 'the attackers answered Retry (they hold validated addresses)');
  t.ok((during.get('h3edge_quic_handshakes_in_progress') ?? Infinity) <= 64, `handshakes in progress held at the cap (${during.get('h3edge_quic_handshakes_in_progress')})`);
  const refused = after.get('h3edge_quic_connections_refused_total{reason="handshakes"}') ?? 0;
  t.ok(refused > 1000, `the excess refused with CONNECTION_REFUSED and counted (${refused})`);
  t.ok(total('refused') > 1000, `the attackers saw the refusals (${total('refused')})`);
  t.ok(rssGrownMb < 100, `memory bounded: 64 half-open handshakes at most (RSS +${rssGrownMb.toFixed(0)} MB)`);
  t.equal((await good.request('/healthz')).status, 200, 'the open HTTP/3 connection kept working');
  // Once the half-open handshakes time out, new clients get in again.
  await new Promise((r) => setTimeout(r, 3500));
  const fresh = await h3Client(server.origin, server.certs.cert);
  t.equal((await fresh.request('/healthz')).status, 200, 'a new HTTP/3 connection after the flood');
  await fresh.close();
});

t.test('one address gets at most its share of handshakes', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', handshakeTimeoutMs: 3000, maxQuicHandshakesPerIp: 16 });
  t.teardown(() => server.close());
  const attack = flood(server.port, ['127.0.0.9'], 300, 3);
  const [counts] = await attack.done;
  const m = await scrape(server);
  const refused = m.get('h3edge_quic_connections_refused_total{reason="handshakes_per_ip"}') ?? 0;
  t.ok(refused > 200, `handshakes beyond 16 from one address refused (${refused} of ${counts?.initials})`);
  t.ok((m.get('h3edge_quic_handshakes_in_progress') ?? Infinity) <= 16, 'at most 16 in progress');
  t.equal(counts?.retriesAnswered, 0, 'no Retry needed: the per-address cap bites first');
});

t.test('one address gets at most its share of connections', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', maxConnectionsPerIp: 6 });
  t.teardown(() => server.close());
  // Connections: 6 per address (QUIC and TCP alike); the 7th and 8th are refused.
  const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => h3Client(server.origin, server.certs.cert)));
  const open = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  t.equal(open.length, 6, 'six connections from one address');
  for (const c of open) t.equal((await c.request('/healthz')).status, 200);
  for (const c of open) await c.close();
  const after = await scrape(server);
  t.equal(after.get('h3edge_quic_connections_refused_total{reason="per_ip"}'), 2, 'two refused and counted');
});
