// Run inside a network namespace by h3-restart-pacing.test.ts: on one HTTP/3 connection (the
// lossy bench's client), fetches the given paths one after another, as a player fetches segments
// (the lossy bench's throughput scenario), and prints one JSON line: each transfer's status,
// bytes and milliseconds, and the handshake's milliseconds (a round trip on the emulated link).
// Usage: node --import tsx segments-in-turn.ts HOST:PORT CA_FILE PATH...
import { readFileSync } from 'node:fs';
import { connectH3 } from '../../bench/lossy/timed-clients.js';

const [authority, caFile, ...paths] = process.argv.slice(2) as [string, string, ...string[]];
const connectStart = performance.now();
const conn = await connectH3({ origin: `https://${authority}`, ca: readFileSync(caFile), servername: 'localhost' });
const handshakeMs = performance.now() - connectStart;
const transfers: Array<{ status: number; bytes: number; ms: number }> = [];
for (const p of paths) {
  const t = await conn.get(p);
  transfers.push({ status: t.status, bytes: t.bytes, ms: t.end - t.start });
}
await conn.close();
process.stdout.write(`${JSON.stringify({ handshakeMs, transfers })}\n`);
