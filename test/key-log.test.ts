import t from 'tap';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitForOutput } from '../bench/common/processes.js';
import { makeTestCerts } from './helpers/certs.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { gtlsclient } from './helpers/native-quic-peer.js';
import { run, spawnServe } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// SSLKEYLOGFILE on a node: TCP's TLS secrets through Node's keylog event, QUIC's written by
// GnuTLS itself. Wireshark's tshark, given the file, decrypts a capture of an HTTP/3 GET
// (gtlsclient) and an HTTP/2 GET (node:http2) and shows their HEADERS frames; without it, it
// shows none. Captured on loopback with a filter on the node's port (other traffic is left out).
// Responses are small: a loopback capture sees a UDP GSO batch as one datagram, which tshark
// cannot split into its QUIC packets.
t.test('tshark decrypts a captured h3 GET and an h2 GET with the node\'s SSLKEYLOGFILE', { skip: process.getuid?.() !== 0 && 'needs root: packet capture on loopback' }, async (t) => {
  const dir = scratchDir('h3edge-keylog-');
  const keyLog = join(dir, 'keys.log');
  const capture = join(dir, 'capture.pcapng');
  const media = makeTestMedia();
  const certs = makeTestCerts();
  const node = await spawnServe(['--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile, '--open-content', '--workers', '1'], 60_000, {
    ...process.env,
    SSLKEYLOGFILE: keyLog,
  });
  t.teardown(() => node.child.kill('SIGKILL'));
  t.match(node.stdout() + node.stderr(), /SSLKEYLOGFILE is set/, 'the node says it writes secrets');

  // tshark captures (through dumpcap) and prints a line per packet as it writes the file. The
  // kernel hands packets over in blocks, some time after tshark says it is capturing: a datagram
  // of our own, seen in tshark's output, marks where the capture surely runs, before and after.
  const capturing = spawn('tshark', ['-i', 'lo', '-f', `port ${node.port}`, '-w', capture, '-P', '-l'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stopped = new Promise<void>((resolve) => capturing.once('exit', () => resolve()));
  t.teardown(() => capturing.kill('SIGKILL'));
  const marker = createSocket('udp4');
  await new Promise<void>((resolve) => marker.bind(0, '127.0.0.1', resolve));
  t.teardown(() => marker.close());
  const markerLine = new RegExp(`\\b${marker.address().port} → ${node.port}\\b`);
  const mark = async (): Promise<void> => {
    let seen = false;
    const waiting = waitForOutput(capturing, markerLine, 'a marker datagram in the capture', 15_000).then(() => (seen = true));
    // Until tshark has opened the interface a marker is lost: one every 100 ms, at most 150.
    for (let i = 0; i < 150 && !seen; i++) {
      marker.send('capture marker', node.port, '127.0.0.1');
      await Promise.race([waiting, new Promise((r) => setTimeout(r, 100))]);
    }
    await waiting;
  };
  await mark();

  const h3 = await gtlsclient(node.port, ['/content/demo/master.m3u8?via=h3']);
  t.equal(h3.code, 0, `gtlsclient (${h3.stderr.slice(-300)})`);
  const h2 = await h2Client(`https://localhost:${node.port}`, certs.cert);
  t.equal((await h2.request('/content/demo/master.m3u8?via=h2')).status, 200);
  await h2.close();
  await mark();
  capturing.kill('SIGINT');
  await stopped;

  const lines = readFileSync(keyLog, 'utf8').trim().split('\n');
  t.ok(lines.filter((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 ')).length >= 2, 'a 1-RTT secret per connection (QUIC by GnuTLS, TCP by Node)');
  const tshark = async (filter: string, fields: string[], withKeys = true): Promise<string[]> => {
    const args = ['-r', capture, ...(withKeys ? ['-o', `tls.keylog_file:${keyLog}`] : []), '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])];
    const r = await run('tshark', args, { timeoutMs: 30_000 });
    t.equal(r.code, 0, `tshark -Y ${filter}`, { stderr: r.stderr.slice(-300) });
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  };

  // HTTP/3 (RFC 9114 §7.2.2): HEADERS is frame type 1; the request's on stream 0, from the client.
  const h3Headers = await tshark(`http3.frame_type == 1 && udp.dstport == ${node.port}`, ['quic.stream.stream_id']);
  t.ok(h3Headers.some((l) => l.split(',').includes('0')), `the GET's HEADERS frame on stream 0 (${h3Headers.join(' | ')})`);
  const fromServer = await tshark(`udp.srcport == ${node.port} && quic.header_form == 0 && quic.frame`, ['frame.number']);
  t.ok(fromServer.length > 0, 'the server\'s 1-RTT packets decrypt too');
  // HTTP/2: HEADERS is type 1; tshark decodes HPACK, so the path shows.
  t.same(await tshark(`http2.type == 1 && tcp.dstport == ${node.port}`, ['http2.headers.path']), ['/content/demo/master.m3u8?via=h2'], 'the h2 GET\'s HEADERS frame and its path');
  t.same(await tshark(`http3.frame_type == 1 || http2.type == 1`, ['frame.number'], false), [], 'without the key log nothing decrypts');
});
