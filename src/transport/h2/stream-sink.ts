import http2, { type ServerHttp2Stream } from 'node:http2';
import type { AppliedPriority, Completion, ResponseSink } from '../../http/exchange.js';
import type { ScheduledStream } from '../../priority/send-scheduler.js';
import type { ConnectionSchedulers } from '../connection-schedulers.js';
import { drained } from '../drained.js';
import type { SendBacklog } from './send-backlog.js';
import { refuseRestOfBody } from './refuse-rest-of-body.js';
import type { RequestAbort, RequestSignal } from '../../http/request-signal.js';

/** What an HTTP/2 listener shares with every response it sinks. */
export interface H2SinkContext {
  /** `Alt-Svc` advertising HTTP/3 on the same port. */
  altSvc: string;
  /** The connection's send order (RFC 9218). */
  schedulers: ConnectionSchedulers<object>;
  /** The session's send backlog (the tcpinfo addon), when TCP can be asked. */
  backlog: SendBacklog | undefined;
}

/**
 * How a response leaves on one node:http2 stream, through the stream API (node's compatibility
 * layer costs a request and a response object and a check of every field per request). The head
 * leaves at once: HEADERS are not flow-controlled, so a client sees its answer start even while
 * the body waits. Bodies take their turn in the connection's SendScheduler and go to TCP only
 * while the kernel holds little unsent. A request body the response did not wait for is refused
 * (RST_STREAM NO_ERROR once the answer has left). The stream's 'close' settles `finished` and
 * aborts the exchange if the response did not end whole.
 */
export class H2StreamSink implements ResponseSink {
  readonly wholeBodies = false;
  readonly finished: Promise<Completion>;
  private priority: AppliedPriority | undefined;
  private bytesSent = 0;

  constructor(
    private readonly stream: ServerHttp2Stream,
    aborts: RequestAbort,
    private readonly ctx: H2SinkContext,
  ) {
    this.finished = new Promise((resolve) => {
      stream.once('close', () => {
        const whole = stream.writableFinished && stream.rstCode === http2.constants.NGHTTP2_NO_ERROR;
        if (!whole) aborts.abort();
        resolve({ bytesSent: this.bytesSent, aborted: aborts.aborted });
      });
    });
  }

  head(status: number, fields: Readonly<Record<string, string>>, priority: AppliedPriority, added?: Readonly<Record<string, string>> | null): void {
    this.priority = priority;
    if (this.stream.destroyed) return;
    this.stream.respond({ ...fields, ...added, 'alt-svc': this.ctx.altSvc, ':status': status });
    if (!this.stream.endAfterHeaders) refuseRestOfBody(this.stream);
  }

  turn(): ScheduledStream | undefined {
    const session = this.stream.session;
    return session && this.priority ? this.ctx.schedulers.open(session, this.priority) : undefined;
  }

  get room(): ((signal: RequestSignal) => Promise<number>) | undefined {
    const backlog = this.ctx.backlog;
    return backlog ? (signal) => backlog.room(signal) : undefined;
  }

  write(chunk: Uint8Array): boolean {
    this.bytesSent += chunk.length;
    return this.stream.write(chunk);
  }

  drain(signal: RequestSignal): Promise<void> {
    return drained(this.stream, signal);
  }

  end(last?: Buffer): void {
    if (last) this.bytesSent += last.length;
    if (this.stream.destroyed || this.stream.closed) return;
    if (last) this.stream.end(last);
    else this.stream.end();
  }

  flushed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.write(Buffer.alloc(0), () => resolve());
    });
  }

  reset(): void {
    // Not close(INTERNAL_ERROR): node ends the writable side first, and the END_STREAM it queues
    // can leave before the RST_STREAM, so the client would take the cut body for a whole one.
    // Destroyed with an error, the stream sends RST_STREAM INTERNAL_ERROR and nothing else.
    this.stream.destroy(new Error('response reset'));
  }
}
