import type { AppliedPriority, Priority } from '../priority/priority.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import type { RequestFields } from './fields.js';
import type { CmcdReading } from '../cmcd/cmcd-request.js';
import type { RequestSignal } from './request-signal.js';
import type { EarlyDataDecision } from './early-data-policy.js';

export type { AppliedPriority };

/**
 * One request as the transports hand it to the core. Built by a transport adapter, read by
 * the router and handlers; handlers never learn which protocol carried it except through
 * `protocol`, which exists for logs and metrics only.
 */
export interface Exchange {
  /** Request id for log correlation, unique per process. */
  readonly id: string;
  readonly method: string;
  /** The raw request-target (`:path`), still percent-encoded. */
  readonly target: string;
  /** Path part of the target, still percent-encoded; decoding is the handler's job. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Host and port the client addressed (`:authority` or `Host`), for absolute URLs. */
  readonly authority: string;
  /** Request fields with lowercase names; repeated fields are joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** ALPN-style protocol name for logs: `http/1.1`, `h2` or `h3`. */
  readonly protocol: string;
  /** True when the request arrived in TLS early data (0-RTT); RFC 8470 applies. */
  readonly earlyData: boolean;
  /** The client's RFC 9218 priority signal, or null if it sent none. */
  readonly clientPriority: Priority | null;
  /** What the player said about this request (CTA-5004, query argument or fields), or null. */
  readonly cmcd: CmcdReading | null;
  readonly remoteAddress: string;
  /** Aborted when the client goes away before the response completed. */
  readonly signal: RequestSignal;
  /** Request body chunks; empty for GET/HEAD. Consumed at most once. */
  body(): AsyncIterable<Buffer>;
}

/**
 * What a handler returns. The transport pulls `body` at the pace the connection allows:
 * a Buffer (possibly a zero-copy slice of a mapped file) or an async iterable of chunks.
 * Handlers never write to sockets.
 */
export interface Reply {
  status: number;
  /** Response fields with lowercase names; shared between answers (one file version's), so never mutated: replace it. */
  headers: Readonly<Record<string, string>>;
  body: Buffer | AsyncIterable<Uint8Array> | null;
  /** Stable error code when the reply reports an error; the access log and metrics label. */
  errorCode?: string;
  /** Route pattern that answered (`/content/*path`), or `none`; set by the core for metrics and logs. */
  route?: string;
  /** For a request in early data: the `earlyData` rule that decided it; set by the core for metrics and logs. */
  earlyData?: EarlyDataDecision;
  /** Where an edge found the file (its cache, an upstream, a prefetch); for the access line. */
  cache?: CacheOutcome;
  /**
   * For a body read straight from a file's mapping: whether its bytes are still the file's. A
   * transport asks once the body has left and before ending the response; false means the file
   * changed under it (truncated, rewritten in place) and the response is reset, never completed.
   */
  intact?: () => boolean;
  /**
   * The handler's word that this answer fits every request for the same target that carries no
   * field beyond the kept ones (http/kept-answers.ts), for a second: a static file's whole body.
   * The core decides the rest and may let the transport repeat it.
   */
  repeatable?: boolean;
}

/**
 * What a transport knows of a request once its head is complete: all it hands the core. The
 * core builds the Exchange from it (fields map, path and query, priority) and owns the rest.
 */
export interface ExchangeInit {
  method: string;
  /** The request-target (`:path`) as received. */
  target: string;
  /** `:authority`, or '' when the protocol has none (HTTP/1.1: the core takes `Host`). */
  authority: string;
  /** Request fields as the protocol library gives them (pairs or an object): names in any case, repeated values as a list. */
  fields: RequestFields;
  protocol: 'http/1.1' | 'h2' | 'h3';
  earlyData: boolean;
  /**
   * The client's RFC 9218 signal where the transport knows it better than the `Priority` field
   * (HTTP/3 applies PRIORITY_UPDATE frames); undefined: the core reads the field.
   */
  clientPriority?: Priority | null;
  remoteAddress: string;
  /** Aborted when the client goes away before the response completed. */
  signal: RequestSignal;
  /** Request body chunks; consumed at most once. */
  body(): AsyncIterable<Buffer>;
  /**
   * What the transport knows of the path to this client now (TCP_INFO, the QUIC engine's
   * estimate), asked once per response for CMSD; absent or undefined where it knows nothing.
   */
  connection?: () => ConnectionInfo | undefined;
}

/** The path to a client as its connection measures it. */
export interface ConnectionInfo {
  /** Smoothed round-trip time, ms. */
  rttMs: number;
  /** Estimated throughput to the client, bits/s (TCP's delivery rate, QUIC's BBR bandwidth model); undefined before a first sample. */
  throughputBitsPerSec?: number;
}

/**
 * How a node came by a file: `hit` from an edge's cache; `prefetched` from the cache, where a CMCD
 * next-object hint brought it (an edge's pull, an origin's warm-up); `prefetching` joining a pull
 * such a hint started that is still under way; `collapsed` joining another client's pull; `miss`
 * pulled from an upstream for this request.
 */
export type CacheOutcome = 'hit' | 'prefetched' | 'prefetching' | 'collapsed' | 'miss';

/** How a response ended, as the transport saw it. */
export interface Completion {
  /** Body bytes handed to the connection. */
  bytesSent: number;
  /** The client went away or the stream was reset before the last byte. */
  aborted: boolean;
  /** The priority the response ended with, where the transport knows better than the core's choice (a PRIORITY_UPDATE mid-response). */
  priority?: AppliedPriority;
}

/**
 * Where the core sends a response: each transport implements how bytes leave, nothing else
 * (h2o's `do_send`). The core calls `head` once, then either `end(body)` with a whole Buffer
 * (when `wholeBodies` is set, or the body fits), or `write` pieces at the pace `drain` allows
 * followed by `end()`; or `reset` to abandon it. `finished` settles once the transport is done
 * with the response (for HTTP/3: when the stream is closed).
 */
export interface ResponseSink {
  /**
   * Status and fields, once: the reply's `fields` (often shared by every answer for one file
   * version), then `added` (this response's own, e.g. CMSD), both read, never kept or changed. A
   * transport that schedules (nghttp3, a SendScheduler) applies `priority`. It also refuses the
   * rest of a request body the response did not wait for.
   */
  head(status: number, fields: Readonly<Record<string, string>>, priority: AppliedPriority, added?: Readonly<Record<string, string>> | null): void;
  /** The transport takes a whole Buffer (zero copy) and paces it itself: the core never slices. */
  readonly wholeBodies: boolean;
  /** This stream's turn among the connection's (RFC 9218 send order), where the transport keeps one. */
  turn?(): ScheduledStream | undefined;
  /** Bytes the connection takes now without queueing far ahead of the wire (HTTP/2 over TCP). */
  room?: ((signal: RequestSignal) => Promise<number>) | undefined;
  /** One piece of body; false: wait for `drain` before the next. */
  write(chunk: Uint8Array): boolean;
  /** Resolves when the connection takes more, or the response was abandoned. */
  drain(signal: RequestSignal): Promise<void>;
  /** Ends the body, with its last piece (or the whole body) if given. */
  end(last?: Buffer): void;
  /** Resolves once every byte handed over has left the process (for bodies read from a mapping). */
  flushed(): Promise<void>;
  /** Abandons the response so the client cannot take it for a complete one. */
  reset(): void;
  readonly finished: Promise<Completion>;
  /**
   * Transports that can repeat an answer themselves (our HTTP/3 engine) take one the core found
   * keepable; each repeat comes back to the core's `keptAnswered` with `answer.record`.
   */
  keep?(answer: KeptAnswer): void;
}

/** A response field whose value takes the connection's path reading (`;etp=…;rtt=…`) between two parts. */
export interface PathField {
  name: string;
  before: string;
  after: string;
}

/** What the core needs back from a transport for each answer it repeated: opaque to transports. */
export interface KeptRecord {
  readonly exchange: Exchange;
  readonly reply: Reply;
  readonly priority: AppliedPriority;
}

/**
 * A whole response a transport may repeat, for `ttlMs`, to requests for the same target and
 * authority (`GET`, not early data, no body, no field outside the kept ones, http/kept-answers.ts),
 * telling the core of each with `record` (RequestCore.keptAnswered).
 */
export interface KeptAnswer {
  status: number;
  /** The reply's fields (shared by one file version's answers), then the node's own. */
  fields: Readonly<Record<string, string>>;
  added: Readonly<Record<string, string>> | null;
  pathField: PathField | null;
  body: Buffer;
  /** Our class default; the client's own signal wins where it sends one. */
  priority: AppliedPriority;
  ttlMs: number;
  record: KeptRecord;
}

/** Request handler behind the router. `params` holds the named parts of the route pattern. */
export type Handler = (exchange: Exchange, params: Readonly<Record<string, string>>) => Promise<Reply> | Reply;

/** Byte length of a reply body when known without consuming it. */
export function knownBodyLength(body: Reply['body']): number | undefined {
  return Buffer.isBuffer(body) ? body.length : body === null ? 0 : undefined;
}
