import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './helpers/server.js';
import { h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { duringAttack as attackWhileMeasuring, type AttackControl } from './helpers/attack.js';
import { encoderInstruction, getFieldSection, rawH3 } from './helpers/raw-h3.js';

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

/** The engine's count of requests it refused for an oversized header section, from /metrics. */
async function refusedCount(server: TestServer): Promise<number> {
  const client = await h3Client(server.origin, server.certs.cert);
  const text = (await client.request('/metrics')).body.toString();
  await client.close();
  return Number(/h3edge_quic_refused_requests_total\{reason="header_section_too_large"\} (\d+)/.exec(text)?.[1] ?? NaN);
}

const duringAttack = (t: Test, server: TestServer, name: string, attack: (control: AttackControl) => Promise<void>, opts?: { waitForStart?: boolean }): Promise<void> =>
  attackWhileMeasuring(t, h3Client, server, name, attack, opts);

t.test('HTTP/3 attacks', async (t) => {
  // Attackers and the well-behaved client share 127.0.0.1 here: the per-address handshake cap
  // (tested in quic-caps.test.ts) would refuse the measuring client during the handshake flood.
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', maxQuicHandshakesPerIp: 100 });
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

  t.test('QPACK decompression bomb: one-byte references to a 3,900-byte table entry get 431', async (t) => {
    const refusedBefore = await refusedCount(server);
    let result: { oneReference?: number | string; outcomes?: Record<string, number> } = {};
    await duringAttack(
      t,
      server,
      'h3 QPACK bomb',
      async ({ started }) => {
        // 400 sections of 1,000 references: ~1 KB on the wire, 3.9 MB each once decoded.
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/qpack-bomb.ts'), String(server.port), server.certs.certFile, '400'], { stdio: ['ignore', 'pipe', 'inherit'] });
        const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          if (out.includes('bombing')) started();
        });
        await new Promise((r) => child.once('close', r));
        clearTimeout(killer);
        result = JSON.parse(out.slice(out.indexOf('{')) || '{}');
      },
      { waitForStart: true },
    );
    t.equal(result.oneReference, 200, 'one reference to the entry is an ordinary request');
    t.same(result.outcomes, { 431: 400 }, 'all 400 bombs were answered 431');
    t.equal((await refusedCount(server)) - refusedBefore, 400, 'h3edge_quic_refused_requests_total counted each one');
  });

  t.test('QPACK table capacity above what the server allows ends the connection (QPACK_ENCODER_STREAM_ERROR)', async (t) => {
    const attacker = await rawH3(server.port, server.certs.cert);
    t.teardown(() => attacker.close());
    await attacker.encoder(encoderInstruction.setCapacity(1 << 20));
    t.equal(await attacker.closedBy, 0x201, 'closed with QPACK_ENCODER_STREAM_ERROR (RFC 9204 §4.3.1)');
  });

  t.test('QPACK blocked streams: 100 header sections waiting for inserts that never come', async (t) => {
    const attacker = await rawH3(server.port, server.certs.cert);
    t.teardown(() => attacker.close());
    await attacker.encoder(encoderInstruction.setCapacity(4096));
    await duringAttack(t, server, 'h3 QPACK blocked streams', async () => {
      // Each section refers to insert 50 of a table that stays empty, with 8 KiB of padding the
      // server has to hold while it waits: at most 100 of them (the stream limit, which is also
      // the SETTINGS_QPACK_BLOCKED_STREAMS it advertises).
      const blocked = getFieldSection('/healthz', { requiredInsertCount: 50, dynamicRefs: 1, padding: 8 * 1024 });
      for (let i = 0; i < 100; i++) await attacker.openBlocked(blocked);
      await t.rejects(attacker.openBlocked(blocked), /limit/i, 'a 101st request stream cannot be opened');
    });
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
