// Run inside a network namespace by helpers/emulated-link.ts: on one HTTP/2 or HTTP/3
// connection, downloads the bulk paths, asks for the manifest once `triggerBytes` of bulk
// arrived, and prints one JSON line: how long the handshake took (a round trip on the emulated
// link), how long the manifest's response head took, how many bulk bytes arrived between the
// request and that head, and whether every body came whole.
// Usage: node --import tsx manifest-under-load.ts h2|h3 HOST:PORT CA_FILE TRIGGER_BYTES MANIFEST BULK...
import http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { connect as connectQuic } from '@currentspace/http3';

const [protocol, authority, caFile, trigger, manifestPath, ...bulkPaths] = process.argv.slice(2) as [string, string, string, string, string, ...string[]];
const triggerBytes = Number(trigger);
const ca = readFileSync(caFile);

function fail(why: string): never {
  process.stdout.write(`${JSON.stringify({ error: why })}\n`);
  process.exit(1);
}

/** The events both protocols' request streams emit (node stream style). */
interface ResponseStream {
  on(event: 'response', fn: (headers: Record<string, unknown>) => void): unknown;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}

interface Client {
  request(path: string): ResponseStream;
  close(): Promise<void>;
}

async function connectH2(): Promise<Client> {
  // Large windows, as browsers use: HTTP/2 flow control must not be what limits the bulk.
  const session = http2.connect(`https://${authority}`, { ca, servername: 'localhost', settings: { initialWindowSize: 6 * 1024 * 1024 } });
  session.on('error', (err) => fail(err.message));
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  session.setLocalWindowSize(15 * 1024 * 1024);
  return {
    request: (path) => session.request({ ':path': path }, { endStream: true }),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

async function connectH3(): Promise<Client> {
  const session = connectQuic(authority, { ca, servername: 'localhost', connectTimeoutMs: 30_000 });
  session.on('error', (err: Error) => fail(err.message));
  await session.ready();
  const port = authority.split(':')[1];
  return {
    request: (path) => session.request({ ':method': 'GET', ':path': path, ':authority': `localhost:${port}`, ':scheme': 'https' }, { endStream: true }),
    close: () => session.close(),
  };
}

const connectStart = performance.now();
const client = protocol === 'h3' ? await connectH3() : await connectH2();
const handshakeMs = performance.now() - connectStart;

/** GET `path`; `onHead` runs when the response head arrives, `onData` with every body chunk's size. */
function get(path: string, onData: (n: number) => void, onHead: () => void = () => {}): Promise<{ status: number; bytes: number }> {
  const stream = client.request(path);
  let status = 0;
  let bytes = 0;
  return new Promise((resolve, reject) => {
    stream.on('response', (h) => {
      status = Number(h[':status']);
      onHead();
    });
    stream.on('data', (c: Buffer) => {
      bytes += c.length;
      onData(c.length);
    });
    stream.on('end', () => resolve({ status, bytes }));
    stream.on('error', reject);
  });
}

let bulkBytes = 0;
let requestManifest: () => void = () => {};
const manifestAsked = new Promise<void>((resolve) => (requestManifest = resolve));
const bulk = bulkPaths.map((p) =>
  get(p, (n) => {
    bulkBytes += n;
    if (bulkBytes >= triggerBytes) requestManifest();
  }),
);
await manifestAsked;
const askedAt = performance.now();
const bytesAtRequest = bulkBytes;
let head = { at: 0, bytes: 0 };
const manifest = await get(manifestPath, () => {}, () => (head = { at: performance.now(), bytes: bulkBytes }));
const done = await Promise.all(bulk);
process.stdout.write(`${JSON.stringify({ handshakeMs, manifestHeadMs: head.at - askedAt, bulkBytesAhead: head.bytes - bytesAtRequest, manifest, bulk: done.map((d) => ({ status: d.status, bytes: d.bytes })) })}\n`);
await client.close();
process.exit(0);
