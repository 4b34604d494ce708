import { EventEmitter } from 'node:events';
import tls from 'node:tls';

/** HTTP/2 frames written by hand, for attacks a conforming client library will not send. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, CONTINUATION: 9 } as const;
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** A HEADERS block for GET `path` (HPACK: static-table entries and literals without indexing). */
export function getHeaderBlock(path: string, authority = 'localhost'): Buffer {
  const literal = (nameIndex: number, value: string): Buffer => Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value)]);
  return Buffer.concat([Buffer.from([0x82, 0x87]), literal(0x04, path), literal(0x01, authority)]); // :method GET, :scheme https
}

/** A frame the server sent, as `rawH2` records it. */
export interface ReceivedFrame {
  type: number;
  streamId: number;
  payload: Buffer;
}

/** SETTINGS_INITIAL_WINDOW_SIZE = `bytes`: with 0 the server cannot send any DATA, so its streams stay open. */
export function initialWindowSetting(bytes: number): Buffer {
  const entry = Buffer.alloc(6);
  entry.writeUInt16BE(0x4, 0);
  entry.writeUInt32BE(bytes, 2);
  return entry;
}

/** A hand-driven HTTP/2 connection and what the server sent on it. */
export interface RawH2 {
  socket: tls.TLSSocket;
  /** Types of the frames received, in order. */
  frames: number[];
  received: ReceivedFrame[];
  closed: Promise<void>;
  /**
   * Resolves as soon as `done()` holds (checked now and as frames arrive), the connection closes,
   * or `limitMs` passed, whichever comes first; the caller looks at the frames to tell which.
   */
  until(done: () => boolean, limitMs?: number): Promise<void>;
}

/**
 * A TLS connection that has sent the preface and a SETTINGS frame (`settings`, empty by default);
 * `frames` lists the types of the frames received, `received` the frames themselves.
 */
export async function rawH2(port: number, ca: Buffer, settings: Buffer = Buffer.alloc(0)): Promise<RawH2> {
  const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca, ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const frames: number[] = [];
  const received: ReceivedFrame[] = [];
  const arrived = new EventEmitter();
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) break;
      frames.push(buf.readUInt8(3));
      received.push({ type: buf.readUInt8(3), streamId: buf.readUInt32BE(5) & 0x7fffffff, payload: Buffer.from(buf.subarray(9, 9 + len)) });
      buf = buf.subarray(9 + len);
    }
    arrived.emit('frames');
  });
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      // `closed` first: what callers chained on it runs before a waiting `until` resumes.
      resolve();
      arrived.emit('frames');
    }),
  );
  const until = (done: () => boolean, limitMs = 5000): Promise<void> =>
    new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        arrived.off('frames', check);
        resolve();
      };
      const check = (): void => {
        if (isClosed || done()) finish();
      };
      const timer = setTimeout(finish, limitMs);
      arrived.on('frames', check);
      check();
    });
  socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, settings)]));
  return { socket, frames, received, closed, until };
}
