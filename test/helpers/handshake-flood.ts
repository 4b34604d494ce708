// A QUIC handshake flood from a client that answers Retry, run in its own process by the tests
// (the attacking QUIC library's work must not share the event loop of the server it measures).
// Each connection sends its Initial, answers a Retry with the token, then never speaks again:
// a handshake left half-open until the server's handshake timeout. quiche (through
// @matrixai/quic's binding) builds the packets.
// Usage: node --import tsx handshake-flood.ts PORT SOURCE_IP PER_SECOND SECONDS
// Prints `flooding` when the first Initials leave, then one JSON line of counts.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { quiche } from '@matrixai/quic/native/index.js';

const [port, sourceIp, perSecond, seconds] = process.argv.slice(2) as [string, string, string, string];
const config = quiche.Config.withBoringSslCtx(false, true, null, null, null, null);
config.setApplicationProtos(['h3']);
config.setMaxIdleTimeout(15_000);
config.setInitialMaxData(1 << 20);
config.setInitialMaxStreamDataBidiLocal(1 << 18);

const socket = dgram.createSocket('udp4');
await new Promise<void>((resolve) => socket.bind(0, sourceIp, resolve));
const local = { host: sourceIp, port: socket.address().port };
const server = { host: '127.0.0.1', port: Number(port) };
const counts = { initials: 0, retriesAnswered: 0, refused: 0, handshakePackets: 0 };
/** Connections waiting for their Retry, by the client connection ID the server echoes. */
const waiting = new Map<string, ReturnType<typeof quiche.Connection.connect>>();
const out = Buffer.alloc(1500);

function flush(conn: ReturnType<typeof quiche.Connection.connect>): void {
  for (;;) {
    const sent = conn.send(out);
    if (sent === null) return;
    socket.send(out.subarray(0, sent[0]), server.port, server.host);
  }
}

socket.on('message', (data, rinfo) => {
  let header;
  try {
    header = quiche.Header.fromSlice(data, 20);
  } catch {
    return;
  }
  const key = Buffer.from(header.dcid).toString('hex');
  const conn = waiting.get(key);
  if (header.ty === quiche.Type.Retry && conn) {
    conn.recv(data, { from: { host: rinfo.address, port: rinfo.port }, to: local });
    flush(conn); // the second Initial, with the token
    counts.retriesAnswered++;
  } else if (header.ty === quiche.Type.Initial) {
    // The server's first flight (or a CONNECTION_CLOSE refusing us): the flood never answers it.
    counts.handshakePackets++;
    if (data.length < 200) counts.refused++;
  }
  if (header.ty !== quiche.Type.Retry) waiting.delete(key);
});

process.stdout.write('flooding\n');
const intervalMs = 10;
const perTick = Math.max(1, Math.round((Number(perSecond) * intervalMs) / 1000));
const until = Date.now() + Number(seconds) * 1000;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    if (Date.now() >= until) {
      clearInterval(timer);
      resolve();
      return;
    }
    for (let i = 0; i < perTick; i++) {
      const scid = randomBytes(20);
      const conn = quiche.Connection.connect('localhost', scid, local, server, config);
      waiting.set(scid.toString('hex'), conn);
      flush(conn);
      counts.initials++;
    }
    // Connections whose Retry never came are dropped after a second: memory stays bounded.
    if (waiting.size > Number(perSecond)) for (const k of [...waiting.keys()].slice(0, waiting.size - Number(perSecond))) waiting.delete(k);
  }, intervalMs);
});
await new Promise((r) => setTimeout(r, 500));
process.stdout.write(`${JSON.stringify(counts)}\n`);
socket.close();
process.exit(0);
