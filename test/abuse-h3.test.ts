import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { duringAttack as attackWhileMeasuring } from './helpers/attack.js';

// Attacks on the HTTP/3 side of a running server (native engine). As for HTTP/2: the attacker
// is stopped, a well-behaved HTTP/3 client keeps being served (latency printed, never
// asserted), memory stays bounded.
const media = makeTestMedia();

/**
 * Runs `total` requests with at most `concurrency` in flight. The QUIC client cannot open a
 * stream beyond the server's MAX_STREAMS credit (it refuses at once), and credit comes back only
 * as the server retires streams, so a refused open waits a moment and tries again (bounded).
 */
async function inWaves(total: number, concurrency: number, one: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        try {
          statuses.push(await Promise.resolve().then(() => one(i)));
          break;
        } catch (err) {
          if (!/StreamLimit/.test(String(err)) || attempt >= 500) throw err;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

const duringAttack = (t: Test, server: TestServer, name: string, attack: () => Promise<void>): Promise<void> => attackWhileMeasuring(t, h3Client, server, name, attack);

t.test('HTTP/3 attacks', async (t) => {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn' });
  t.teardown(() => server.close());
  t.equal(server.h3Engine, 'native');

  t.test('header bomb: 300 requests with 20 KiB header sections get 431 from the engine', async (t) => {
    let refused = 0;
    await duringAttack(t, server, 'h3 header bomb', async () => {
      const attacker = await h3Client(server.origin, server.certs.cert);
      const filler = 'x'.repeat(20 * 1024);
      // 40 at a time: our QUIC client library gives up (locally) rather than wait when header
      // sections outgrow the connection's flow-control credit (1 MiB), so stay below it.
      const statuses = await inWaves(300, 40, (i) => attacker.request(`/content/demo/master.m3u8?bomb=${i}`, { headers: { 'x-filler': filler } }).then((r) => r.status));
      refused = statuses.filter((s) => s === 431).length;
      await attacker.close();
    });
    t.equal(refused, 300, 'every oversized header section was refused with 431');
  });

  t.test('stream flood: at most 100 requests at once per connection; 2,000 kept at that limit are all served', async (t) => {
    const attacker = await h3Client(server.origin, server.certs.cert);
    t.teardown(() => attacker.close());
    // The 101st concurrent request cannot even be opened: MAX_STREAMS is enforced by QUIC itself.
    const tries = await Promise.allSettled(Array.from({ length: 150 }, (_, i) => Promise.resolve().then(() => attacker.request(`/content/demo/master.m3u8?over=${i}`))));
    const opened = tries.filter((r) => r.status === 'fulfilled').length;
    t.equal(opened, 100, `${opened} of 150 concurrent requests could be opened`);
    t.match(String((tries.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined)?.reason), /StreamLimit/, 'the rest hit the stream limit');
    let ok = 0;
    await duringAttack(t, server, 'h3 stream flood', async () => {
      const statuses = await inWaves(2000, 100, (i) => attacker.request(`/content/demo/v/seg-1.m4s?flood=${i}`).then((r) => r.status));
      ok = statuses.filter((s) => s === 200).length;
    });
    t.equal(ok, 2000, 'every request of the waves was served');
  });

  t.test('handshake flood: 40 clients that never finish their handshake', async (t) => {
    // gtlsclient through nothing: each sends its Initial and is killed before it can finish,
    // leaving half-open connections that must expire without hurting anyone else.
    await duringAttack(t, server, 'h3 handshake flood', async () => {
      const children = Array.from({ length: 40 }, () =>
        spawn('gtlsclient', ['-q', '--timeout=2s', '127.0.0.1', String(server.port), `https://localhost:${server.port}/healthz`], { stdio: 'ignore' }),
      );
      await new Promise((r) => setTimeout(r, 30));
      for (const c of children) c.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
    });
  });
});
