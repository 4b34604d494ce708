import type { IncomingMessage, ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { AppliedPriority, Completion, ResponseSink } from '../http/exchange.js';
import { drained } from './drained.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import type { ConnectionSchedulers } from './connection-schedulers.js';
import type { SendBacklog } from './h2/send-backlog.js';
import { refuseRestOfBody } from './h2/refuse-rest-of-body.js';

/** What a listener shares with every response it sinks. */
export interface NodeSinkContext {
  /** `Alt-Svc` advertising HTTP/3 on the same port (none on the plain admin port). */
  altSvc?: string;
  /** The node is draining: HTTP/1.1 connections close after their response. */
  draining: boolean;
  /** HTTP/2: the connection's send order (RFC 9218). */
  schedulers?: ConnectionSchedulers<object>;
  /** HTTP/2 over TCP with the tcpinfo addon: the session's send backlog. */
  backlog?: SendBacklog;
}

/** What this sink uses of node:http's and node:http2's response objects (both have it). */
interface NodeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  write(chunk: Uint8Array, callback?: () => void): boolean;
  end(chunk?: Uint8Array): unknown;
  destroy(): void;
  once(event: 'finish' | 'close' | 'drain', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
}

/**
 * How a response leaves through node's HTTP APIs: node:http2's compatibility API (HTTP/2 and
 * HTTP/1.1 over TLS) and node:http (the plain admin port). HTTP/2 bodies take their turn in the
 * connection's SendScheduler (RFC 9218 order) and go to TCP only while the kernel holds little
 * unsent; a request body the response did not wait for is refused (HTTP/2 RST_STREAM NO_ERROR
 * once the answer has left, HTTP/1.1 by closing the connection after the response).
 */
export class NodeResponseSink implements ResponseSink {
  readonly wholeBodies = false;
  readonly finished: Promise<Completion>;
  private readonly session: Http2Session | undefined;
  private readonly stream: Http2ServerRequest['stream'] | undefined;
  private readonly res: NodeResponse;
  private priority: AppliedPriority | undefined;
  private bytesSent = 0;

  constructor(
    private readonly req: Http2ServerRequest | IncomingMessage,
    res: Http2ServerResponse | ServerResponse,
    private readonly signal: AbortSignal,
    private readonly ctx: NodeSinkContext,
  ) {
    this.res = res as NodeResponse;
    this.stream = 'stream' in req ? req.stream : undefined;
    this.session = this.stream?.session ?? undefined;
    // Settles when the last byte went to the socket, or when the client went away first.
    this.finished = new Promise((resolve) => {
      const done = (): void => resolve({ bytesSent: this.bytesSent, aborted: signal.aborted || !res.writableFinished });
      this.res.once('finish', done);
      this.res.once('close', done);
    });
  }

  head(status: number, fields: Readonly<Record<string, string>>, priority: AppliedPriority): void {
    this.priority = priority;
    const out: Record<string, string> = this.ctx.altSvc ? { ...fields, 'alt-svc': this.ctx.altSvc } : { ...fields };
    const stream = this.stream;
    if (!stream) {
      // HTTP/1.1 cannot skip an unread request body: the connection ends with this response.
      if (this.ctx.draining || !this.req.complete) out.connection = 'close';
    } else if (!stream.endAfterHeaders) {
      refuseRestOfBody(stream);
    }
    this.res.writeHead(status, out);
  }

  turn(): ScheduledStream | undefined {
    // HTTP/2 multiplexes: order this body against the connection's others (RFC 9218).
    const schedulers = this.ctx.schedulers;
    return schedulers && this.session && this.priority ? schedulers.open(this.session, this.priority) : undefined;
  }

  get room(): ((signal: AbortSignal) => Promise<number>) | undefined {
    const backlog = this.ctx.backlog;
    return backlog ? (signal) => backlog.room(signal) : undefined;
  }

  write(chunk: Uint8Array): boolean {
    this.bytesSent += chunk.length;
    return this.res.write(chunk);
  }

  drain(signal: AbortSignal): Promise<void> {
    return drained(this.res, signal);
  }

  end(last?: Buffer): void {
    if (last) this.bytesSent += last.length;
    if (this.signal.aborted || this.res.destroyed) return;
    if (last) this.res.end(last);
    else this.res.end();
  }

  flushed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      this.res.write(Buffer.alloc(0), () => resolve());
    });
  }

  reset(): void {
    if (this.stream) this.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else this.res.destroy();
  }
}
