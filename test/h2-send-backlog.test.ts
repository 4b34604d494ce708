import t from 'tap';
import { manifestUnderLoad, serveOnEmulatedLink } from './helpers/emulated-link.js';

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

t.test('a manifest requested mid-download is not queued behind the kernel send buffer', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  // 2 s segments: 750 KB each, 3 MB in all, several seconds at 10 Mbit/s.
  const node = await serveOnEmulatedLink(t, LINK, 2);
  for (let i = 0; i < RUNS; i++) {
    const out = await manifestUnderLoad(t, node, 'h2', TRIGGER_BYTES);
    t.ok(out.bulkBytesAhead < AHEAD_LIMIT_BYTES, `run ${i + 1}: ${Math.round(out.bulkBytesAhead / 1024)} KiB of segments arrived between the manifest's request and its head (limit ${AHEAD_LIMIT_BYTES / 1024} KiB)`);
  }
});
