import { randomFillSync } from 'node:crypto';
import { QUICClient, type QUICStream } from '@matrixai/quic';
import QUICConnection from '@matrixai/quic/QUICConnection.js';
import Logger, { LogLevel } from '@matrixai/logger';
import { status as lifecycleStatus, _running as lifecycleRunning } from '@matrixai/async-init/utils.js';

// HTTP/3 written by hand over a plain QUIC connection, for attacks a conforming client library
// will not send: QPACK encoder instructions and field sections built byte by byte (RFC 9204).

/*
 * The QUIC library refuses peer-initiated streams that arrive while its own handshake promise is
 * still pending, but an HTTP/3 server opens its control and QPACK streams in that very flight
 * (RFC 9114 §6.2.1): let them in, or the library throws and the connection is lost.
 */
type Lifecycle = Record<symbol, unknown> & { processStreams(): void };
const proto = QUICConnection.prototype as unknown as Lifecycle;
const processStreams = proto.processStreams;
proto.processStreams = function (this: Lifecycle): void {
  if (this[lifecycleStatus] !== 'starting') return processStreams.call(this);
  this[lifecycleRunning] = true;
  try {
    processStreams.call(this);
  } finally {
    this[lifecycleRunning] = false;
  }
};

/** QUIC variable-length integer (RFC 9000 §16). */
export function varint(n: number): Buffer {
  if (n < 0x40) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

/** Prefixed integer (RFC 7541 §5.1, used by QPACK) with `bits` of prefix under `flags`. */
export function prefixInt(flags: number, bits: number, n: number): Buffer {
  const max = (1 << bits) - 1;
  if (n < max) return Buffer.from([flags | n]);
  const out = [flags | max];
  for (n -= max; n >= 128; n >>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
}

/** An HTTP/3 frame: type, length, payload (RFC 9114 §7.1). */
export function h3Frame(type: number, payload: Buffer): Buffer {
  return Buffer.concat([varint(type), varint(payload.length), payload]);
}

/** QPACK encoder-stream instructions (RFC 9204 §4.3). */
export const encoderInstruction = {
  setCapacity: (bytes: number): Buffer => prefixInt(0x20, 5, bytes),
  insertLiteral: (name: string, value: string): Buffer =>
    Buffer.concat([prefixInt(0x40, 5, name.length), Buffer.from(name), prefixInt(0x00, 7, value.length), Buffer.from(value)]),
};

/**
 * A GET field section. `requiredInsertCount` > 0 makes it depend on that many dynamic-table
 * inserts (Base = that count); `dynamicRefs` appends that many one-byte references to the
 * newest entry (RFC 9204 §4.5.2, relative index 0). `maxEntries` is the decoder's table
 * capacity / 32, needed to encode the insert count (§4.5.1.1).
 */
export function getFieldSection(path: string, opts: { requiredInsertCount?: number; dynamicRefs?: number; maxEntries?: number; padding?: number; post?: boolean } = {}): Buffer {
  const ric = opts.requiredInsertCount ?? 0;
  const encodedRic = ric === 0 ? 0 : (ric % (2 * (opts.maxEntries ?? 128))) + 1;
  const literal = (staticIndex: number, value: string): Buffer => Buffer.concat([prefixInt(0x50, 4, staticIndex), prefixInt(0, 7, value.length), Buffer.from(value)]);
  return Buffer.concat([
    prefixInt(0, 8, encodedRic),
    prefixInt(0, 7, 0), // Delta Base 0: Base = Required Insert Count
    // Static :method GET (17) or POST (20), :scheme https (23).
    Buffer.from([0xc0 | (opts.post ? 20 : 17), 0xc0 | 23]),
    literal(0, 'localhost'), // :authority
    literal(1, path), // :path
    ...(opts.post ? [Buffer.from([0xc0 | 46])] : []), // static content-type: application/json
    ...(opts.padding ? [Buffer.concat([prefixInt(0x20, 3, 5), Buffer.from('x-pad'), prefixInt(0, 7, opts.padding), Buffer.alloc(opts.padding, 0x61)])] : []),
    Buffer.alloc(opts.dynamicRefs ?? 0, 0x80),
  ]);
}

/** What came back on a request stream: the status if a HEADERS frame arrived, or the reset. */
export interface RawH3Outcome {
  status?: number;
  error?: string;
}

/** The static-table :status values (RFC 9204 Appendix A) a refusal or success can use. */
const STATIC_STATUS: Record<number, number> = { 24: 103, 25: 200, 26: 304, 27: 404, 28: 503, 63: 100, 64: 204, 65: 206, 66: 302, 67: 400, 68: 403, 69: 421, 70: 425, 71: 500 };

/** Reads a prefixed integer at `at`; returns it and the offset after it. */
function readPrefixInt(buf: Buffer, at: number, bits: number): [number, number] {
  const max = (1 << bits) - 1;
  let n = (buf[at] ?? 0) & max;
  if (n < max) return [n, at + 1];
  let shift = 0;
  for (let i = at + 1; i < buf.length; i++) {
    const b = buf[i] as number;
    n += (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) return [n, i + 1];
  }
  return [NaN, buf.length];
}

/** :status of a response HEADERS frame encoded without the dynamic table (we advertise none). */
function statusOf(stream: Buffer): number | undefined {
  if (stream[0] !== 0x01 || stream.length < 4) return undefined;
  // Frame type and length, then the section prefix (two bytes for an empty dynamic table).
  const line = 1 + (1 << ((stream[1] as number) >> 6)) + 2;
  const first = stream[line] ?? 0;
  if ((first & 0xc0) === 0xc0) return STATIC_STATUS[readPrefixInt(stream, line, 6)[0]];
  if ((first & 0xf0) === 0x50) {
    // Literal with a static name reference; nghttp3 sends a 3-digit value uncompressed (Huffman gains nothing).
    const [, valueAt] = readPrefixInt(stream, line, 4);
    const [length, at] = readPrefixInt(stream, valueAt, 7);
    const value = stream.subarray(at, at + length).toString('latin1');
    return /^\d{3}$/.test(value) ? Number(value) : undefined;
  }
  return undefined;
}

export interface RawH3Fetch {
  streamId: number;
  firstBytes: Promise<void>;
  /** Everything the stream carried (frames included) and the status, once it ended. */
  done: Promise<{ status?: number; bytes: number }>;
}

/** One HTTP/3 connection whose streams the test writes byte by byte. */
export interface RawH3 {
  /** Writes QPACK encoder-stream bytes (instructions). */
  encoder(bytes: Buffer): Promise<void>;
  /** Sends one request (a HEADERS frame, FIN) and resolves with what came back, within `timeoutMs`. */
  request(fieldSection: Buffer, timeoutMs?: number): Promise<RawH3Outcome>;
  /**
   * Sends one request and reads its stream to the end: `firstBytes` once any arrived, `done` at
   * the end (rejected when the stream is reset). `pauseMsPerRead` reads slowly.
   */
  fetch(fieldSection: Buffer, opts?: { pauseMsPerRead?: number }): RawH3Fetch;
  /** A PRIORITY_UPDATE for a request stream on the control stream (RFC 9218 §7.1), e.g. `u=0`, sent in two pieces. */
  priorityUpdate(streamId: number, priority: string): Promise<void>;
  /** Opens a request stream and leaves it waiting (a header section that never decodes). */
  openBlocked(fieldSection: Buffer): Promise<void>;
  /**
   * A request whose body (DATA frames of `chunkBytes`, no content-length) goes on until
   * `totalBytes`, the server stops it, or `limitMs` passes: how much the server let through and
   * its answer.
   */
  upload(fieldSection: Buffer, totalBytes: number, chunkBytes: number, limitMs: number): Promise<{ status?: number; sentBytes: number; stopped: boolean }>;
  /** Resolves with the application error code once the server closes the connection. */
  closedBy: Promise<number>;
  close(): Promise<void>;
}

/** Connects with ALPN h3, opens the control stream (empty SETTINGS: no dynamic table for responses) and the encoder stream. */
export async function rawH3(port: number, ca: Buffer, opts: { receiveWindowBytes?: number } = {}): Promise<RawH3> {
  const windows = opts.receiveWindowBytes ? { initialMaxData: 2 * opts.receiveWindowBytes, initialMaxStreamDataBidiLocal: opts.receiveWindowBytes } : {};
  const client = await QUICClient.createQUICClient({
    host: '127.0.0.1',
    port,
    serverName: 'localhost',
    logger: new Logger('raw-h3', LogLevel.ERROR),
    crypto: { ops: { randomBytes: async (data: ArrayBuffer) => void randomFillSync(new Uint8Array(data)) } },
    config: { applicationProtos: ['h3'], ca: ca.toString(), verifyPeer: true, maxIdleTimeout: 30_000, ...windows },
  });
  const conn = client.connection;
  let resolveClosed: (code: number) => void = () => {};
  const closedBy = new Promise<number>((r) => (resolveClosed = r));
  conn.addEventListener('EventQUICConnectionError', (e: Event) => {
    const data = (e as Event & { detail?: { data?: { errorCode?: number } } }).detail?.data;
    resolveClosed(data?.errorCode ?? -1);
  });
  // The server's control and QPACK streams are read and ignored.
  conn.addEventListener('EventQUICConnectionStream', () => {});
  const write = async (stream: QUICStream, bytes: Buffer, end: boolean): Promise<void> => {
    const w = stream.writable.getWriter();
    await w.write(bytes);
    if (end) await w.close();
    w.releaseLock();
  };
  const control = conn.newStream('uni');
  await write(control, Buffer.concat([varint(0x00), h3Frame(0x04, Buffer.alloc(0))]), false);
  const encoder = conn.newStream('uni');
  await write(encoder, varint(0x02), false);
  return {
    encoder: (bytes) => write(encoder, bytes, false),
    fetch: (section, opts = {}) => {
      const stream = conn.newStream('bidi');
      let arrived: () => void = () => {};
      const firstBytes = new Promise<void>((r) => (arrived = r));
      const done = (async () => {
        await write(stream, h3Frame(0x01, section), true);
        const reader = stream.readable.getReader();
        let head = Buffer.alloc(0);
        let bytes = 0;
        for (;;) {
          const { value, done: end } = await reader.read();
          if (end) break;
          arrived();
          if (head.length < 64) head = Buffer.concat([head, value]);
          bytes += value.length;
          if (opts.pauseMsPerRead) await new Promise((r) => setTimeout(r, opts.pauseMsPerRead));
        }
        reader.releaseLock();
        return { status: statusOf(head), bytes };
      })();
      return { streamId: Number(stream.streamId), firstBytes, done };
    },
    priorityUpdate: async (streamId, priority) => {
      // In two pieces a little apart, so the frame arrives split across packets.
      const frame = h3Frame(0xf0700, Buffer.concat([varint(streamId), Buffer.from(priority)]));
      await write(control, frame.subarray(0, 3), false);
      await new Promise((r) => setTimeout(r, 10));
      await write(control, frame.subarray(3), false);
    },
    openBlocked: async (section) => {
      await write(conn.newStream('bidi'), h3Frame(0x01, section), true);
    },
    request: async (section, timeoutMs = 5000) => {
      const stream = conn.newStream('bidi');
      await write(stream, h3Frame(0x01, section), true);
      const reader = stream.readable.getReader();
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => void reader.cancel('timeout'), timeoutMs);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          got = Buffer.concat([got, value]);
          const status = statusOf(got);
          if (status !== undefined) return { status };
        }
        return { error: got.length === 0 ? 'ended without a response' : 'no status' };
      } catch (err) {
        return { error: (err as Error).message };
      } finally {
        clearTimeout(timer);
        reader.releaseLock();
      }
    },
    upload: async (section, totalBytes, chunkBytes, limitMs) => {
      const stream = conn.newStream('bidi');
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader();
      let head = Buffer.alloc(0);
      const answered = (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done || head.length >= 64) break;
            head = Buffer.concat([head, value]);
          }
        } catch {
          // reset: no status
        }
      })();
      const deadline = Date.now() + limitMs;
      let sentBytes = 0;
      let stopped = false;
      const data = h3Frame(0x00, Buffer.alloc(chunkBytes, 0x61));
      try {
        await writer.write(h3Frame(0x01, section));
        while (sentBytes < totalBytes && Date.now() < deadline) {
          const wrote = writer.write(data);
          const outcome = await Promise.race([wrote.then(() => 'ok'), new Promise<string>((r) => setTimeout(() => r('blocked'), Math.max(0, deadline - Date.now())))]);
          if (outcome !== 'ok') break;
          sentBytes += chunkBytes;
        }
      } catch (err) {
        if (process.env.RAW_H3_DEBUG) console.error('upload stopped:', err);
        stopped = true;
      }
      await Promise.race([answered, new Promise((r) => setTimeout(r, 1000))]);
      void writer.abort().catch(() => {});
      void reader.cancel().catch(() => {});
      return { status: statusOf(head), sentBytes, stopped };
    },
    closedBy,
    close: () => client.destroy({ force: true }).catch(() => {}),
  };
}
