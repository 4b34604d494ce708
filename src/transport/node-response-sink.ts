import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { AppliedPriority, Completion, ResponseSink } from '../http/exchange.js';
import { drained } from './drained.js';
import type { RequestSignal } from '../http/request-signal.js';

/** What a listener shares with every response it sinks. */
export interface NodeSinkContext {
  /** `Alt-Svc` advertising HTTP/3 on the same port (none on the plain admin port). */
  altSvc?: string;
  /** The node is draining: connections close after their response. */
  draining: boolean;
}

/** What this sink uses of node:http's response objects (the HTTP/1.1 side of node:http2's too). */
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
 * How an HTTP/1.1 response leaves through node's HTTP objects: over TLS beside HTTP/2 (ALPN
 * http/1.1) and on the plain admin port. One response at a time per connection, so there is no
 * send order to keep. HTTP/1.1 cannot skip a request body the response did not wait for: the
 * connection closes after the response instead.
 */
export class NodeResponseSink implements ResponseSink {
  readonly wholeBodies = false;
  readonly finished: Promise<Completion>;
  private readonly res: NodeResponse;
  private bytesSent = 0;

  constructor(
    private readonly req: Http2ServerRequest | IncomingMessage,
    res: Http2ServerResponse | ServerResponse,
    private readonly signal: RequestSignal,
    private readonly ctx: NodeSinkContext,
  ) {
    this.res = res as NodeResponse;
    // Settles when the last byte went to the socket, or when the client went away first.
    this.finished = new Promise((resolve) => {
      // 'finish': the whole response went to the socket. node's writableFinished also wants the
      // socket's own buffer empty, which it need not be yet: it only decides when the response
      // closed without finishing.
      this.res.once('finish', () => resolve({ bytesSent: this.bytesSent, aborted: signal.aborted }));
      this.res.once('close', () => resolve({ bytesSent: this.bytesSent, aborted: signal.aborted || !res.writableFinished }));
    });
  }

  head(status: number, fields: Readonly<Record<string, string>>, _priority: AppliedPriority, added?: Readonly<Record<string, string>> | null): void {
    const out: Record<string, string> = this.ctx.altSvc ? { ...fields, ...added, 'alt-svc': this.ctx.altSvc } : { ...fields, ...added };
    if (this.ctx.draining || !this.req.complete) out.connection = 'close';
    this.res.writeHead(status, out);
  }

  write(chunk: Uint8Array): boolean {
    this.bytesSent += chunk.length;
    return this.res.write(chunk);
  }

  drain(signal: RequestSignal): Promise<void> {
    return drained(this.res, signal);
  }

  end(last?: Buffer): void {
    if (last) this.bytesSent += last.length;
    if (this.signal.aborted || this.res.destroyed) return;
    if (last) this.res.end(last);
    else this.res.end();
  }

  /** Settles when what was written left for the socket, or when the response closed first (a client gone mid-check). */
  flushed(): Promise<void> {
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      const done = (): void => {
        this.res.off('close', done);
        resolve();
      };
      this.res.once('close', done);
      this.res.write(Buffer.alloc(0), done);
    });
  }

  reset(): void {
    this.res.destroy();
  }
}
