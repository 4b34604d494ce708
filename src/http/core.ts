import type { Logger } from 'pino';
import type { AppliedPriority, Completion, Exchange, ExchangeInit, KeptAnswer, KeptRecord, Reply, ResponseSink } from './exchange.js';
import type { ServerData } from './server-data.js';
import { isKeepable, KEPT_ANSWER_MS } from './kept-answers.js';
import type { Router } from './router.js';
import { parsePriority } from '../priority/priority.js';
import { readCmcd } from '../cmcd/cmcd-request.js';
import { errorReply } from './error-reply.js';
import { HttpError, PayloadTooLarge, TooEarly, UriTooLong } from './errors.js';
import { isPreflight, preflightReply, withCors } from './cors.js';
import { limitBody } from './request-body.js';
import { pumpBody } from './body-pump.js';
import type { ScheduledStream } from '../priority/send-scheduler.js';
import { splitTarget, toFieldMap } from './fields.js';
import { requestIdSource } from './request-ids.js';
import { EarlyDataPolicy, type EarlyDataDecision } from './early-data-policy.js';

/** The route label of a request no route took (refused before routing, 404, 405). */
const NO_ROUTE = 'none';

/** Without an `earlyData` policy: RFC 8470's baseline (safe methods run, others get 425). */
const BASELINE_EARLY_DATA = new EarlyDataPolicy({ enabled: true, routes: [] });

export interface RequestCoreDeps {
  router: Router;
  logger: Logger;
  /**
   * The priority a response is sent at, who chose it and why (priority/buffer-policy.ts: the
   * player's CMCD buffer state, else the client's signal, else our class default). Called once.
   */
  priorityFor: (ex: Exchange) => AppliedPriority;
  /** Response fields this node adds as it answers (CMSD on media responses). */
  serverData?: ServerData;
  /**
   * The `earlyData` policy in force, asked once per request that arrived in early data (a
   * reload swaps it). Default: safe methods run, others get 425.
   */
  earlyData?: () => EarlyDataPolicy;
  maxTargetBytes?: number;
  /** A request body must start within this long… */
  bodyTimeoutMs?: number;
  /** …and then arrive at this rate (else `408`); see `limitBody`. */
  bodyMinBytesPerSec?: number;
  /** Told about every completed request (metrics); must not throw. */
  onCompleted?: (done: CompletedRequest) => void;
}

/** One finished request, as the access log and the metrics see it. */
export interface CompletedRequest {
  exchange: Exchange;
  reply: Reply;
  priority: AppliedPriority;
  seconds: number;
  completion: Completion;
}

/**
 * The one request lifecycle of every transport (h2o's shape: protocols call in, the core owns
 * the rest). A transport hands `serve` what it knows of a request and a sink for the answer;
 * the core builds the Exchange, refuses what must be refused before routing (oversized targets,
 * unsafe methods in early data, bodies over the route's limit), routes, runs the handler,
 * applies HEAD, CORS and the priority (the client's signal, else our class default), pumps the
 * body through the sink at the connection's pace, resets it if its file changed underneath,
 * and when the sink says the response is over writes one access line and reports the metrics.
 */
export class RequestCore {
  private readonly maxTargetBytes: number;
  private readonly bodyTimeoutMs: number;
  private readonly bodyMinBytesPerSec: number;
  private readonly nextId = requestIdSource('r');

  constructor(private readonly deps: RequestCoreDeps) {
    this.maxTargetBytes = deps.maxTargetBytes ?? 8192;
    this.bodyTimeoutMs = deps.bodyTimeoutMs ?? 10_000;
    this.bodyMinBytesPerSec = deps.bodyMinBytesPerSec ?? 500;
  }

  /** Serves one request; never throws (every failure becomes a reply, a reset or a log line). */
  serve(init: ExchangeInit, sink: ResponseSink): void {
    void this.respond(this.exchangeOf(init), sink, performance.now(), init.connection);
  }

  private exchangeOf(init: ExchangeInit): Exchange {
    const headers = toFieldMap(init.fields);
    const { pathname, query } = splitTarget(init.target);
    return {
      id: this.nextId(),
      method: init.method,
      target: init.target,
      pathname,
      query,
      authority: init.authority || (headers.get('host') ?? ''),
      headers,
      protocol: init.protocol,
      earlyData: init.earlyData,
      clientPriority: init.clientPriority !== undefined ? init.clientPriority : parsePriority(headers.get('priority')),
      cmcd: readCmcd(query, headers),
      remoteAddress: init.remoteAddress,
      signal: init.signal,
      body: init.body,
    };
  }

  private async respond(ex: Exchange, sink: ResponseSink, startedAtMs: number, connection: ExchangeInit['connection']): Promise<void> {
    const reply = await this.reply(ex);
    const serverData = this.deps.serverData?.fields(ex, reply, connection?.()) ?? null;
    const priority = this.deps.priorityFor(ex);
    let turn: ScheduledStream | undefined;
    try {
      sink.head(reply.status, reply.headers, priority, serverData);
      if (sink.keep && isKeepable(ex, reply, priority)) sink.keep(this.keptAnswer(ex, reply, priority));
      turn = sink.turn?.();
      await pumpBody(reply.body, sink, ex.signal, turn, reply.intact);
    } catch (err) {
      // A body source that failed (an upstream gone, a file changed under its mapping) or a head
      // the transport refused: reset, so the client cannot take a cut body for a whole one.
      this.deps.logger.warn({ reqId: ex.id, err: (err as Error).message, path: ex.target }, 'response aborted');
      sink.reset();
    } finally {
      turn?.done();
    }
    const completion = await sink.finished;
    this.completed({ exchange: ex, reply, priority, seconds: (performance.now() - startedAtMs) / 1000, completion });
  }

  /**
   * A transport repeated a kept answer (`record`) to another request and it is over: the same
   * access line and metrics as any request, under a request id of its own.
   */
  keptAnswered(record: KeptRecord, outcome: { remoteAddress: string; seconds: number; completion: Completion }): void {
    const { completion } = outcome;
    // The transport reports a priority only where the client's signal chose it over ours.
    const priority = completion.priority?.chosenBy === 'client' ? { ...completion.priority, reason: 'client-signal' as const } : record.priority;
    this.completed({
      exchange: { ...record.exchange, id: this.nextId(), remoteAddress: outcome.remoteAddress },
      reply: record.reply,
      priority,
      seconds: outcome.seconds,
      completion: { bytesSent: completion.bytesSent, aborted: completion.aborted },
    });
  }

  /** What a transport needs to repeat `reply`, and what the core needs back for each repeat. */
  private keptAnswer(ex: Exchange, reply: Reply & { body: Buffer }, applied: AppliedPriority): KeptAnswer {
    const template = this.deps.serverData?.template(ex, reply) ?? { fields: null, pathField: null };
    // Kept at our class default: browsers put a Priority field on every request, and each later
    // request's own signal is the transport's to apply.
    const priority = applied.chosenBy === 'server' ? applied : this.deps.priorityFor({ ...ex, clientPriority: null });
    // Every repeat finds the file in the cache, as this request did once it was there.
    const kept: Reply = reply.cache === undefined ? reply : { ...reply, cache: 'hit' };
    return {
      status: reply.status,
      fields: reply.headers,
      added: template.fields,
      pathField: template.pathField,
      body: reply.body,
      priority,
      ttlMs: KEPT_ANSWER_MS,
      record: { exchange: ex, reply: kept, priority },
    };
  }

  /** The handler's reply, or the error's; HEAD and CORS applied. */
  private async reply(ex: Exchange): Promise<Reply> {
    let reply: Reply;
    const notes: DispatchNotes = { route: NO_ROUTE };
    try {
      reply = await this.dispatch(ex, notes);
    } catch (err) {
      reply = errorReply(err);
      if (!(err instanceof HttpError)) {
        this.deps.logger.error({ reqId: ex.id, err, method: ex.method, path: ex.pathname }, 'request failed');
      }
    }
    if (ex.method === 'HEAD') {
      reply.body = null;
      reply.intact = undefined;
    }
    reply.route = notes.route;
    if (notes.earlyData) reply.earlyData = notes.earlyData;
    return withCors(ex, reply);
  }

  /** The access line (one per request, structured) and the metrics, from one record. */
  private completed(done: CompletedRequest): void {
    this.deps.onCompleted?.(done);
    const { exchange: ex, reply, completion } = done;
    // A client going away mid-response is normal for players (seeks, ABR switches): debug level.
    const level = completion.aborted ? 'debug' : 'info';
    if (!this.deps.logger.isLevelEnabled(level)) return;
    const priority = finalPriority(done.priority, completion.priority);
    const fields = {
      reqId: ex.id,
      transport: ex.protocol,
      method: ex.method,
      path: ex.target,
      remote: ex.remoteAddress,
      status: reply.status,
      bytes: completion.bytesSent,
      durationMs: Math.round(done.seconds * 100_000) / 100,
      range: ex.headers.get('range'),
      earlyData: ex.earlyData || undefined,
      earlyDataPolicy: reply.earlyData ? { policy: reply.earlyData.policy, rule: reply.earlyData.rule } : undefined,
      code: reply.errorCode,
      route: reply.route,
      priority: { urgency: priority.urgency, incremental: priority.incremental, chosenBy: priority.chosenBy, reason: priority.reason },
      cache: reply.cache,
      cmcd: ex.cmcd ? { ...ex.cmcd.data, via: ex.cmcd.transmission, invalid: ex.cmcd.invalid.length > 0 ? ex.cmcd.invalid : undefined } : undefined,
      aborted: completion.aborted || undefined,
    };
    this.deps.logger[level](fields, 'access');
  }

  /** Runs the request; `notes` takes the route and early-data decision, also when it throws. */
  private async dispatch(ex: Exchange, notes: DispatchNotes): Promise<Reply> {
    if (ex.target.length > this.maxTargetBytes) throw new UriTooLong();
    // RFC 8470: decided once, here, for every transport; a proxy's `Early-Data: 1` counts too.
    if (ex.earlyData || ex.headers.get('early-data') === '1') {
      notes.earlyData = (this.deps.earlyData?.() ?? BASELINE_EARLY_DATA).decide(ex.method, ex.pathname);
      if (notes.earlyData.tooEarly) throw new TooEarly();
    }
    if (isPreflight(ex)) return preflightReply(ex);
    const { handler, params, pattern, maxBodyBytes } = this.deps.router.match(ex);
    notes.route = pattern;
    // RFC 9110 §8.6: a declared length over what the route takes is refused before reading a byte.
    const declared = ex.headers.get('content-length');
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw new PayloadTooLarge(maxBodyBytes);
    if (maxBodyBytes === 0) return handler(ex, params);
    const limits = { maxBytes: maxBodyBytes, timeoutMs: this.bodyTimeoutMs, minBytesPerSec: this.bodyMinBytesPerSec };
    const source = ex.body;
    return handler({ ...ex, body: () => limitBody(source.call(ex), limits) }, params);
  }
}

/** What dispatch learnt of a request before it answered or threw. */
interface DispatchNotes {
  route: string;
  earlyData?: EarlyDataDecision;
}

/**
 * The priority a response ended with: ours, unless the transport saw the client change it while
 * the response was under way (an HTTP/3 PRIORITY_UPDATE).
 */
function finalPriority(chosen: AppliedPriority, ended: AppliedPriority | undefined): AppliedPriority {
  if (!ended || (ended.urgency === chosen.urgency && ended.incremental === chosen.incremental)) return chosen;
  return { ...ended, reason: ended.chosenBy === 'client' ? 'client-update' : ended.reason };
}
