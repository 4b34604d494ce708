import t from 'tap';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinkEmulator, SERVER_ADDR, buildRelay } from '../bench/lossy/link.js';
import { makeLossyTitle } from '../bench/lossy/media.js';
import { stopper, waitForOutput } from '../bench/common/processes.js';
import { makeTestCerts } from './helpers/certs.js';
import { H3EDGE, run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// HTTP/2 over an emulated 40 ms, 10 Mbit/s link (bench/lossy's relay; no loss, so the run is
// repeatable): a manifest asked for while four segments download on the same connection must
// not queue behind what the server has already handed to the kernel. Without the send backlog
// the kernel's send buffer (autotuned to hundreds of KiB) goes out first, and Node's session
// does not even read the request while the kernel refuses writes. Bytes, not milliseconds: the
// bulk bytes that arrive between the manifest's request and its response head are what was
// queued ahead of it: in flight and in the relay's queue, plus what the server held back
// (about 230 KiB in all with the send backlog, about 800 KiB without).
const LINK = { rttMs: 40, rateMbitPerSec: 10, lossPercent: 0 };
const AHEAD_LIMIT_BYTES = 448 * 1024;
const TRIGGER_BYTES = 256 * 1024;
const RUNS = 3;
const PORT = 8443;

t.test('a manifest requested mid-download is not queued behind the kernel send buffer', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const work = scratchDir('h3edge-send-backlog-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => {
    link.destroy();
    rmSync(work, { recursive: true, force: true });
  });
  const certs = makeTestCerts();
  // 2 s segments: 750 KB each, 3 MB in all, several seconds at 10 Mbit/s.
  const title = makeLossyTitle(join(work, 'media'), 2);
  const config = join(work, 'h3edge.json');
  writeFileSync(config, JSON.stringify({ openContent: true, workers: 1, logLevel: 'warn', cdnProbeIntervalMs: 0 }));
  const serveArgs = ['serve', '--config', config, '--host', SERVER_ADDR, '--port', String(PORT), '--media', join(work, 'media'), '--cert', certs.certFile, '--key', certs.keyFile];
  const [cmd, args] = link.exec('srv', process.execPath, [...H3EDGE, ...serveArgs]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(stopper(server));
  await waitForOutput(server, /serving/, 'h3edge', 30_000);
  await link.configure(LINK, 1);

  const client = join(import.meta.dirname, 'helpers/manifest-under-load.ts');
  const bulk = title.videoSegments.slice(0, 4).map((p) => `/content/${p}`);
  for (let i = 0; i < RUNS; i++) {
    const [ccmd, cargs] = link.exec('cli', process.execPath, ['--import', 'tsx', client, `https://${SERVER_ADDR}:${PORT}`, certs.certFile, String(TRIGGER_BYTES), `/content/${title.manifest}`, ...bulk]);
    const r = await run(ccmd, cargs, { timeoutMs: 60_000 });
    t.equal(r.code, 0, `client exits 0 (${r.stderr.slice(-300)})`);
    const out = JSON.parse(r.stdout) as { bulkBytesAhead: number; manifest: { status: number; bytes: number }; bulk: Array<{ status: number; bytes: number }> };
    t.equal(out.manifest.status, 200);
    t.equal(out.manifest.bytes, title.sizes.get(title.manifest), 'manifest whole');
    t.same(out.bulk.map((b) => b.bytes), title.videoSegments.slice(0, 4).map((p) => title.sizes.get(p)), 'segments whole');
    t.ok(out.bulkBytesAhead < AHEAD_LIMIT_BYTES, `run ${i + 1}: ${Math.round(out.bulkBytesAhead / 1024)} KiB of segments arrived between the manifest's request and its head (limit ${AHEAD_LIMIT_BYTES / 1024} KiB)`);
  }
});
