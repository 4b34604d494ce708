// Run inside a network namespace by test/h2-send-backlog.test.ts: on one HTTP/2 connection,
// downloads the bulk paths, asks for the manifest once `triggerBytes` of bulk arrived, and
// prints one JSON line: how many bulk bytes arrived between that request and the manifest's
// response head, and whether every body came whole.
// Usage: node --import tsx manifest-under-load.ts ORIGIN CA_FILE TRIGGER_BYTES MANIFEST BULK...
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';

const [origin, caFile, trigger, manifestPath, ...bulkPaths] = process.argv.slice(2) as [string, string, string, string, ...string[]];
const triggerBytes = Number(trigger);
// Large windows, as browsers use: HTTP/2 flow control must not be what limits the bulk.
const session = http2.connect(origin, { ca: readFileSync(caFile), servername: 'localhost', settings: { initialWindowSize: 6 * 1024 * 1024 } });
session.on('error', (err) => fail(err.message));
session.once('connect', () => session.setLocalWindowSize(15 * 1024 * 1024));

function fail(why: string): never {
  process.stdout.write(`${JSON.stringify({ error: why })}\n`);
  process.exit(1);
}

/** GET `path`; `onHead` runs when the response head arrives, `onData` with every body chunk's size. */
function get(path: string, onData: (n: number) => void, onHead: () => void = () => {}): Promise<{ status: number; bytes: number }> {
  const req = session.request({ ':path': path }, { endStream: true });
  let status = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    req.once('response', (h) => {
      status = Number(h[':status']);
      onHead();
    });
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      onData(c.length);
    });
    req.on('end', () => resolve({ status, bytes }));
    req.on('error', reject);
  });
}

let bulkBytes = 0;
let headAt = -1;
let requestManifest: () => void = () => {};
const manifestAsked = new Promise<void>((resolve) => (requestManifest = resolve));
const bulk = bulkPaths.map((p) =>
  get(p, (n) => {
    bulkBytes += n;
    if (bulkBytes >= triggerBytes) requestManifest();
  }),
);
await manifestAsked;
const requestedAt = bulkBytes;
const manifest = await get(manifestPath, () => {}, () => (headAt = bulkBytes));
const done = await Promise.all(bulk);
process.stdout.write(`${JSON.stringify({ bulkBytesAhead: headAt - requestedAt, bulkBytesAtRequest: requestedAt, manifest, bulk: done.map((d) => ({ status: d.status, bytes: d.bytes })) })}\n`);
session.close(() => process.exit(0));
