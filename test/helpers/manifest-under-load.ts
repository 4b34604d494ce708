// Run inside a network namespace by helpers/emulated-link.ts: on one HTTP/2 or HTTP/3
// connection (the lossy bench's clients), downloads the bulk paths, asks for the manifest once
// TRIGGER bytes of bulk arrived (or, as `after:MS`, MS milliseconds after the bulk requests: the
// lossy bench's priority scenario asks at two round trips + 50 ms), and prints one JSON line: how
// long the handshake took (a round trip on the emulated link), how long the manifest's response
// head took, how many bulk bytes arrived between the request and that head, and whether every
// body came whole.
// Usage: node --import tsx manifest-under-load.ts h2|h3 HOST:PORT CA_FILE TRIGGER MANIFEST BULK...
import { readFileSync } from 'node:fs';
import { connectH2, connectH3 } from '../../bench/lossy/timed-clients.js';

const [protocol, authority, caFile, trigger, manifestPath, ...bulkPaths] = process.argv.slice(2) as [string, string, string, string, string, ...string[]];
const afterMs = trigger.startsWith('after:') ? Number(trigger.slice('after:'.length)) : undefined;
const triggerBytes = afterMs === undefined ? Number(trigger) : Number.POSITIVE_INFINITY;

const connectStart = performance.now();
const connect = protocol === 'h3' ? connectH3 : connectH2;
const conn = await connect({ origin: `https://${authority}`, ca: readFileSync(caFile), servername: 'localhost' });
const handshakeMs = performance.now() - connectStart;

let bulkBytes = 0;
let requestManifest: () => void = () => {};
const manifestAsked = new Promise<void>((resolve) => (requestManifest = resolve));
const bulk = bulkPaths.map((p) =>
  conn.get(p, {
    onData: (n) => {
      bulkBytes += n;
      if (bulkBytes >= triggerBytes) requestManifest();
    },
  }),
);
if (afterMs !== undefined) setTimeout(requestManifest, afterMs);
await manifestAsked;
const askedAt = performance.now();
const bytesAtRequest = bulkBytes;
let head = { at: 0, bytes: 0 };
const manifest = await conn.get(manifestPath, { onHead: () => (head = { at: performance.now(), bytes: bulkBytes }) });
const done = await Promise.all(bulk);
const whole = (t: { status: number; bytes: number }): { status: number; bytes: number } => ({ status: t.status, bytes: t.bytes });
process.stdout.write(`${JSON.stringify({ handshakeMs, manifestHeadMs: head.at - askedAt, bulkBytesAhead: head.bytes - bytesAtRequest, manifest: whole(manifest), bulk: done.map(whole) })}\n`);
await conn.close();
process.exit(0);
