import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkEmulator, SERVER_ADDR, buildRelay } from '../bench/lossy/link.js';
import { waitForOutput } from '../bench/common/processes.js';
import type { NativeConnStats } from '../src/native/quic.js';
import { makeTestCerts } from './helpers/certs.js';
import { run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// quicInitialWindowPackets, applied through our ngtcp2 patch: the server's first flight after
// the handshake (packets sent before the client acknowledged any response data) is as many
// packets as configured. Real peer: ngtcp2's gtlsclient, over an emulated 100 ms link (the lossy
// bench's relay) so that the flight leaves long before the first acknowledgement can return.
const LINK = { rttMs: 100, rateMbitPerSec: 50, lossPercent: 0 };
const BODY_BYTES = 1024 * 1024;
const PORT = 8443;

t.test('the first flight after the handshake carries the configured initial window', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const work = scratchDir('h3edge-iw-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => link.destroy());
  await link.configure(LINK, 1);
  const certs = makeTestCerts();

  async function firstFlight(initialWindowPackets: number | undefined): Promise<NativeConnStats> {
    const optsFile = join(work, `server-${initialWindowPackets ?? 'rfc'}.json`);
    writeFileSync(optsFile, JSON.stringify({ host: SERVER_ADDR, port: PORT, certFile: certs.certFile, keyFile: certs.keyFile, bodyBytes: BODY_BYTES, ...(initialWindowPackets ? { initialWindowPackets } : {}) }));
    const [cmd, args] = link.exec('srv', process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers/native-server-main.ts'), optsFile]);
    const server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    try {
      await waitForOutput(server, /^ready/m, 'native server', 30_000);
      const [gcmd, gargs] = link.exec('cli', 'gtlsclient', ['-q', '--exit-on-all-streams-close', '--timeout=10s', SERVER_ADDR, String(PORT), `https://localhost:${PORT}/body`]);
      const r = await run(gcmd, gargs, { timeoutMs: 30_000 });
      t.equal(r.code, 0, `gtlsclient exits 0 (${r.stderr.slice(-300)})`);
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (out.includes('"path":"/body"')) resolve();
          else server.stdout.once('data', check);
        };
        check();
      });
    } finally {
      server.kill('SIGTERM');
    }
    const line = out.split('\n').find((l) => l.includes('"path":"/body"')) as string;
    const closed = JSON.parse(line) as { completed: boolean; stats: NativeConnStats };
    t.ok(closed.completed, 'the response completed');
    return closed.stats;
  }

  // The window also grew by the handshake bytes acknowledged before it completed (slow start,
  // ~1,500 bytes: up to one packet more); a PMTU probe (1,406 bytes, no stream data, not counted)
  // and the NEW_TOKEN packet, when it leaves on its own, take up to two packets of it.
  const within = (n: number, packets: number): boolean => n >= packets - 2 && n <= packets + 1;
  // RFC 9002 §7.2: min(10 × 1200, max(14720, 2 × 1200)) = 12,000 bytes, 10 packets of 1200.
  const rfc = await firstFlight(undefined);
  t.ok(within(rfc.firstFlightPackets, 10), `without the setting: ${rfc.firstFlightPackets} packets (RFC 9002: 10)`);
  for (const packets of [32, 48]) {
    const s = await firstFlight(packets);
    t.ok(within(s.firstFlightPackets, packets), `initialWindowPackets ${packets}: first flight ${s.firstFlightPackets} packets`);
  }
});
