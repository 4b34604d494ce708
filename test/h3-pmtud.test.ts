import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LinkEmulator, buildRelay } from '../bench/lossy/link.js';
import { ip, macOf } from '../bench/lossy/netns.js';
import { gtlsDownload, startNativeInNetns, type NativeInNetns } from '../bench/lossy/native-in-netns.js';
import { makeTestCerts } from './helpers/certs.js';
import { scratchDir } from './helpers/scratch.js';

// Path MTU discovery past 1500 bytes (connection.cc, kPmtudProbes) on paths that do not carry a
// jumbo frame, with ngtcp2's gtlsclient over the lossy bench's emulated link (its relay drops any
// frame over 2,048 bytes, as a router on a 1,500-byte hop would). Loopback, which carries them,
// is in native-quic.test.ts. The link's addresses are private (10.77.0.0/24), a peer on the same
// site, so the jumbo probe is tried: on a 1,500-byte interface it fails at sendmmsg and never
// leaves; behind a server interface that takes 9,000-byte frames it is lost on the way, at most
// three times, and then given up. A peer with a public address is never sent one. Each time the
// connection settles on 1,444 bytes (ngtcp2's largest probe under 1,500) and the download completes.
const LINK = { rttMs: 20, rateMbitPerSec: 100, lossPercent: 0 };
const BODY_BYTES = 8 * 1024 * 1024;
const ETHERNET_DATAGRAM = 1492 - 48;
const JUMBO_MTU = 9000;
// A second pair of addresses on the same link, public ones (TEST-NET-2, RFC 5737).
const PUBLIC_SERVER = '198.51.100.2';
const PUBLIC_CLIENT = '198.51.100.1';

t.test('PMTU discovery over a 1,500-byte path: jumbo probes cost nothing on a 1,500-byte interface, are given up after three losses behind a 9,000-byte one, and are not sent to a public address', { skip: process.getuid?.() !== 0 && 'needs root: network namespaces and raw sockets' }, async (t) => {
  const work = scratchDir('h3edge-pmtud-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => link.destroy());
  const certs = makeTestCerts();
  const servers: NativeInNetns[] = [];
  t.teardown(async () => {
    for (const s of servers) await s.stop();
  });

  async function download(server: NativeInNetns, name: string): Promise<{ maxUdpPayloadBytes: number; oversize: number }> {
    await link.configure(LINK, 1);
    const dir = join(work, name);
    mkdirSync(dir);
    const r = await gtlsDownload(link, server, dir, `/${name}`, { session: false, token: false });
    t.equal(r.code, 0, `${name}: gtlsclient exits 0 (${r.out.slice(-300)})`);
    t.equal(r.bytes, BODY_BYTES, `${name}: the whole body arrived`);
    const line = await server.served(`/${name}`);
    t.ok(line.completed, `${name}: the response completed`);
    const counters = await link.stopRelay();
    // The relay bridges rc (client side) and rs (server side): the server's frames go b → a.
    return { maxUdpPayloadBytes: line.stats.maxUdpPayloadBytes, oversize: counters?.bToA.oversize ?? -1 };
  }

  const privateServer = await startNativeInNetns(link, work, 'pmtud', 8443, certs, BODY_BYTES, {});
  servers.push(privateServer);
  const ethernet = await download(privateServer, 'ethernet');
  t.equal(ethernet.maxUdpPayloadBytes, ETHERNET_DATAGRAM, `1,500-byte interface: datagrams of up to ${ETHERNET_DATAGRAM} bytes`);
  t.equal(ethernet.oversize, 0, 'no frame over 2,048 bytes reached the link (the jumbo probe failed at the server)');

  // The server's side takes jumbo frames; the link beyond it does not (a PMTU black hole).
  ip(['-n', link.srv, 'link', 'set', 's0', 'mtu', String(JUMBO_MTU)]);
  ip(['-n', link.rtr, 'link', 'set', 'rs', 'mtu', String(JUMBO_MTU)]);
  const blackHole = await download(privateServer, 'black-hole');
  t.equal(blackHole.maxUdpPayloadBytes, ETHERNET_DATAGRAM, `behind a black hole: still ${ETHERNET_DATAGRAM} bytes`);
  t.ok(blackHole.oversize >= 1 && blackHole.oversize <= 3, `the jumbo probe was lost on the link ${blackHole.oversize} times (at most three tries)`);

  // The same black hole, the client now at a public address: no jumbo probe at all.
  ip(['-n', link.cli, 'addr', 'add', `${PUBLIC_CLIENT}/24`, 'dev', 'c0']);
  ip(['-n', link.srv, 'addr', 'add', `${PUBLIC_SERVER}/24`, 'dev', 's0']);
  ip(['-n', link.cli, 'neigh', 'replace', PUBLIC_SERVER, 'lladdr', macOf(link.srv, 's0'), 'dev', 'c0', 'nud', 'permanent']);
  ip(['-n', link.srv, 'neigh', 'replace', PUBLIC_CLIENT, 'lladdr', macOf(link.cli, 'c0'), 'dev', 's0', 'nud', 'permanent']);
  const publicServer = await startNativeInNetns(link, work, 'public', 8444, certs, BODY_BYTES, { host: PUBLIC_SERVER });
  servers.push(publicServer);
  const publicPeer = await download(publicServer, 'public');
  t.equal(publicPeer.maxUdpPayloadBytes, ETHERNET_DATAGRAM, `a public client: ${ETHERNET_DATAGRAM} bytes`);
  t.equal(publicPeer.oversize, 0, 'and no jumbo probe was sent toward it');
});
