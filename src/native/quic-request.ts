import type { AppliedPriority, Priority } from '../priority/priority.js';
import type { NativeConnStats, QuicServerBinding, RawConnection, RawRequest } from './quic.js';

/** A response field whose value takes the connection's `;etp=…;rtt=…` between `before` and `after`. */
export interface KeptPathField {
  name: string;
  before: string;
  after: string;
}

/** A connection of the engine's server, as a request sees it. */
export interface NativeConnection extends RawConnection {
  stats(): NativeConnStats;
}

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * One request stream of the engine, on the JavaScript side: its head, its body as it arrives,
 * and the calls that answer it. The engine knows it as (connection serial, stream ID); the
 * server (quic-server.ts) routes the stream's events here and drops it when the stream closes.
 * Bodies go out whole (`respond` with a Buffer, zero copy: the engine holds it until
 * acknowledged) or piece by piece (`respond` streaming, then `push` while it returns true,
 * waiting for `pulled` when it returns false).
 */
export class NativeRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  /** Regular fields, lowercase names, no pseudo-headers. */
  readonly headers: Array<[string, string]> = [];
  /** The header section arrived in 0-RTT (replayable: the HTTP layer decides what to do). */
  readonly earlyData: boolean;
  /** From the Priority field or a PRIORITY_UPDATE; null if the client said nothing. */
  readonly clientPriority: Priority | null;
  /** Body pieces received and not read yet (bounded by the stream's flow-control window). */
  private readonly bodyQueue: Buffer[] = [];
  /** The request body ended (FIN), or reading it was stopped, or the stream is gone. */
  private bodyEnded: boolean;
  private bodyWaiter: (() => void) | null = null;
  private pullWaiter: (() => void) | null = null;
  private responded = false;
  private cancelled = false;
  private bytesSent = 0;
  private closeCallbacks: Array<(completed: boolean, bytesSent: number, priority: AppliedPriority | null) => void> = [];
  /** Set once the stream is gone: whether the response was completed, and at what priority. */
  private closedAs: { completed: boolean; priority: AppliedPriority | null } | null = null;

  constructor(
    private readonly native: QuicServerBinding,
    private readonly conn: number,
    private readonly stream: number,
    raw: RawRequest,
    readonly connection: NativeConnection,
  ) {
    this.method = raw.method;
    this.path = raw.path;
    this.authority = raw.authority;
    this.scheme = raw.scheme;
    for (let i = 0; i + 1 < raw.headers.length; i += 2) this.headers.push([raw.headers[i] as string, raw.headers[i + 1] as string]);
    this.earlyData = raw.earlyData;
    this.clientPriority = raw.priority;
    this.bodyEnded = raw.fin;
  }

  get closed(): boolean {
    return this.closedAs !== null;
  }

  /** Whether more of the request body may still come (its FIN has not arrived). */
  get bodyPending(): boolean {
    return !this.bodyEnded;
  }

  /**
   * Request body, consumed at most once. Flow-control credit goes back to the client only as
   * chunks are taken from it, so a body nobody reads waits at the window. Ends at once for a
   * request without one; ends early (no error) when the stream is gone or reading was stopped.
   */
  body(): AsyncIterable<Buffer> {
    return { [Symbol.asyncIterator]: () => ({ next: () => this.nextBodyPiece() }) };
  }

  /**
   * The response no longer needs the rest of the request body: STOP_SENDING (H3_NO_ERROR,
   * RFC 9114 §4.1.2) and what was received but not read is dropped.
   */
  stopReading(): void {
    if (this.bodyEnded) return;
    this.endBody();
    this.native.stopReading(this.conn, this.stream);
  }

  /**
   * Sends the response head once, with the whole body (a Buffer, sent without a copy), none
   * (null), or `streaming` for pieces pushed after. `priority` is the server's default and
   * applies only where the client signalled none, unless `overClient` (then it replaces the
   * client's signal; a later PRIORITY_UPDATE still applies). Throws TypeError on an invalid
   * status or header (the engine's word).
   */
  respond(status: number, headers: Array<[string, string]> | JoinedFields, body: Buffer | null, priority?: Priority, streaming = false, overClient = false): void {
    if (this.responded) throw new Error('respond() was already called for this request');
    if (!Number.isInteger(status)) throw new TypeError('status must be an integer');
    if (priority !== undefined && !(Number.isInteger(priority.urgency) && priority.urgency >= 0 && priority.urgency <= 7)) {
      throw new TypeError('priority urgency must be an integer 0-7');
    }
    const fields = Array.isArray(headers) ? joinFields(headers) : headers;
    if (body) this.bytesSent = body.length;
    this.native.respond(this.conn, this.stream, status, fields.count, fields.text, body, streaming && body === null, priority?.urgency ?? -1, priority?.incremental ?? false, overClient && priority !== undefined);
    this.responded = true;
  }

  /**
   * Asks the engine to give this response itself, for `ttlMs`, to every request for this
   * request's target and authority that it accepts for a kept answer (quic.ts `keep`): `record`
   * comes back with each. `pathField` takes the connection's path reading between its two parts.
   * False when the engine's table is full.
   */
  keep(status: number, fields: JoinedFields, body: Buffer, priority: Priority, ttlMs: number, pathField: KeptPathField | null, record: unknown): boolean {
    return this.native.keep(this.authority, this.path, status, fields.count, fields.text, body, priority.urgency, priority.incremental, ttlMs, pathField?.name ?? '', pathField?.before ?? '', pathField?.after ?? '', record);
  }

  /** A piece of a streamed body (null ends it); false: wait for `pulled` before the next. */
  push(chunk: Uint8Array | null): boolean {
    if (this.closed) return false;
    const piece = chunk === null ? null : toBuffer(chunk);
    if (piece) this.bytesSent += piece.length;
    return this.native.push(this.conn, this.stream, piece);
  }

  /** Resolves when the engine wants more of a streamed body, or the stream is gone. */
  pulled(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.pullWaiter = resolve));
  }

  /** Resets the stream with H3_REQUEST_CANCELLED. */
  cancel(): void {
    if (this.closed || this.cancelled) return;
    this.cancelled = true;
    this.native.cancel(this.conn, this.stream);
  }

  /**
   * Called once when the stream is gone: `completed` is true when the whole response was sent
   * and acknowledged; `bytesSent` counts the body bytes handed to the engine; `priority` is what
   * the response was last sent at (a later PRIORITY_UPDATE included), null without one.
   */
  onClose(cb: (completed: boolean, bytesSent: number, priority: AppliedPriority | null) => void): void {
    const closed = this.closedAs;
    if (closed === null) this.closeCallbacks.push(cb);
    else queueMicrotask(() => cb(closed.completed, this.bytesSent, closed.priority));
  }

  // Events from the server.

  /** A piece of the request body from the engine; `null` ends it. */
  received(chunk: Buffer | null): void {
    if (this.bodyEnded) return;
    if (chunk === null) this.bodyEnded = true;
    else this.bodyQueue.push(chunk);
    this.wake('body');
  }

  /** The engine wants more of a streamed body. */
  pull(): void {
    this.wake('pull');
  }

  /** The stream is gone. */
  close(completed: boolean, priority: AppliedPriority | null): void {
    this.closedAs = { completed, priority };
    this.wake('pull');
    this.endBody();
    for (const cb of this.closeCallbacks.splice(0)) cb(completed, this.bytesSent, priority);
  }

  private async nextBodyPiece(): Promise<IteratorResult<Buffer>> {
    while (this.bodyQueue.length === 0 && !this.bodyEnded) await new Promise<void>((resolve) => (this.bodyWaiter = resolve));
    const piece = this.bodyQueue.shift();
    if (piece === undefined) return { done: true, value: undefined };
    this.native.consume(this.conn, this.stream, piece.length);
    return { done: false, value: piece };
  }

  private endBody(): void {
    this.bodyEnded = true;
    this.bodyQueue.length = 0;
    this.wake('body');
  }

  private wake(which: 'body' | 'pull'): void {
    const waiter = which === 'body' ? this.bodyWaiter : this.pullWaiter;
    if (which === 'body') this.bodyWaiter = null;
    else this.pullWaiter = null;
    waiter?.();
  }
}

/** Response fields as they cross to the engine: each name and value followed by a NUL, and how many names. */
export interface JoinedFields {
  readonly count: number;
  readonly text: string;
}

/** Joins response fields for `respond` (a record's own properties, or name/value pairs). */
export function joinFields(fields: Iterable<[string, string]> | Readonly<Record<string, string>>): JoinedFields {
  let count = 0;
  let text = '';
  if (Symbol.iterator in fields) {
    for (const [name, value] of fields as Iterable<[string, string]>) {
      text += `${name}\0${value}\0`;
      count++;
    }
  } else {
    for (const name in fields) {
      text += `${name}\0${(fields as Readonly<Record<string, string>>)[name]}\0`;
      count++;
    }
  }
  return { count, text };
}
