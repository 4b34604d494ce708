// One connection per protocol with per-chunk arrival times, so the scenarios can see stalls.
// h2 is node:http2; h3 is the QUIC client library behind src/client/h3-client.ts, used
// directly because H3Client buffers bodies and reports only start/headers/first byte/end.
import http2 from 'node:http2';
import tls from 'node:tls';
import { connect as connectQuic, type Http3ClientSession } from '@currentspace/http3';

/** Which packets on the link belong to a connection: its transport and ports (the local one where the client library tells it). */
export interface Flow {
  transport: 'tcp' | 'udp';
  serverPort: number;
  localPort?: number;
}

/** One response as the client saw it; times are performance.now() milliseconds. */
export interface Transfer {
  path: string;
  status: number;
  bytes: number;
  start: number;
  firstByte: number;
  end: number;
  /** [arrival time, bytes] of every body chunk, for stall analysis. */
  chunks: Array<[number, number]>;
}

/** Called while a response arrives, for a caller that acts mid-transfer. */
export interface TransferWatch {
  onHead?(): void;
  onData?(bytes: number): void;
}

export interface TimedConnection {
  readonly protocol: 'h2' | 'h3';
  /** The connection's packets on the link (h3: the QUIC library does not tell its local port). */
  readonly flow: Flow;
  get(path: string, watch?: TransferWatch): Promise<Transfer>;
  /** A ticket for resuming the next connection (TLS session for h2, TLS 1.3 ticket for h3), once the server sent one. */
  ticket(): Buffer | undefined;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** https://host:port of the server. */
  origin: string;
  ca: Buffer;
  servername: string;
  /** Resume with this ticket; for h3 the requests then go out as 0-RTT early data. */
  ticket?: Buffer;
}

/** The events both protocols' request streams emit (node stream style). */
interface ResponseStream {
  on(event: 'response', fn: (headers: Record<string, unknown>) => void): unknown;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}

/** Collects a streamed response into a Transfer. */
function track(path: string, stream: ResponseStream, watch: TransferWatch = {}): Promise<Transfer> {
  const t: Transfer = { path, status: 0, bytes: 0, start: performance.now(), firstByte: 0, end: 0, chunks: [] };
  return new Promise((resolve, reject) => {
    stream.on('response', (h) => {
      t.status = Number(h[':status']);
      watch.onHead?.();
    });
    stream.on('data', (c: Buffer) => {
      const now = performance.now();
      if (t.bytes === 0) t.firstByte = now;
      t.bytes += c.length;
      t.chunks.push([now, c.length]);
      watch.onData?.(c.length);
    });
    stream.on('error', (err: Error) => reject(err));
    stream.on('end', () => {
      t.end = performance.now();
      t.firstByte ||= t.end;
      resolve(t);
    });
  });
}

/** HTTP/2 over TLS (node:http2); resolves once the connection is usable, so connect time counts for the caller. */
export async function connectH2(o: ConnectOptions): Promise<TimedConnection> {
  let ticket: Buffer | undefined;
  const url = new URL(o.origin);
  // Chromium's windows (6 MB per stream, 15 MB per connection); node's 64 KiB default would
  // cap a stream at 64 KiB per round trip and measure flow control instead of the link.
  const session = http2.connect(o.origin, {
    settings: { initialWindowSize: 6 * 1024 * 1024 },
    createConnection: () => {
      const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: o.ca, servername: o.servername, ALPNProtocols: ['h2'], session: o.ticket });
      socket.on('session', (s: Buffer) => (ticket = s));
      return socket;
    },
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.on('error', () => undefined);
  session.setLocalWindowSize(15 * 1024 * 1024);
  return {
    protocol: 'h2',
    flow: { transport: 'tcp', serverPort: Number(url.port), localPort: session.socket.localPort },
    get: (path, watch) => {
      const req = session.request({ ':path': path }, { endStream: true });
      return track(path, req, watch);
    },
    ticket: () => ticket,
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

/** HTTP/3; with a ticket the session is not awaited, so requests travel in 0-RTT. */
export async function connectH3(o: ConnectOptions): Promise<TimedConnection> {
  let ticket: Buffer | undefined;
  const url = new URL(o.origin);
  const session: Http3ClientSession = connectQuic(`${url.hostname}:${url.port}`, {
    ca: o.ca,
    servername: o.servername,
    connectTimeoutMs: 30_000,
    sessionTicket: o.ticket,
    allow0RTT: o.ticket !== undefined,
  });
  session.on('sessionTicket', (t: Buffer) => (ticket = t));
  session.on('error', () => undefined);
  if (o.ticket === undefined) await session.ready();
  const authority = `${o.servername}:${url.port}`;
  return {
    protocol: 'h3',
    flow: { transport: 'udp', serverPort: Number(url.port) },
    get: async (path, watch) => {
      const headers = { ':method': 'GET', ':path': path, ':authority': authority, ':scheme': 'https' };
      const start = performance.now();
      // Without awaiting ready() the library sets up its socket a few ticks later and refuses
      // requests until then (ERR_HTTP3_INVALID_STATE); early data can go as soon as it exists.
      let stream: ReturnType<Http3ClientSession['request']> | undefined;
      for (let attempt = 0; stream === undefined; attempt++) {
        try {
          stream = session.request(headers, { endStream: true });
        } catch (err) {
          if ((err as { code?: string }).code !== 'ERR_HTTP3_INVALID_STATE' || attempt >= 1000) throw err;
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      const t = await track(path, stream, watch);
      return { ...t, start };
    },
    ticket: () => ticket,
    close: () => session.close(),
  };
}
