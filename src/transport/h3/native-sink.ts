import type { AppliedPriority, Completion, KeptAnswer, ResponseSink } from '../../http/exchange.js';
import { joinFields, type JoinedFields, type NativeRequest } from '../../native/quic-request.js';
import type { RequestSignal } from '../../http/request-signal.js';

/**
 * How a response leaves through our HTTP/3 engine. A whole Buffer body goes to the engine in one
 * call, without a copy (nghttp3 paces and schedules it by RFC 9218 and the engine checks it against
 * the mmap guard as it sends); other bodies are pushed piece by piece as the engine pulls. The
 * head is held until the body's first piece or end, so a Buffer body goes out with it in one
 * call. A request body the response did not wait for is refused (STOP_SENDING) with the head.
 */
export class NativeResponseSink implements ResponseSink {
  readonly wholeBodies = true;
  readonly finished: Promise<Completion>;
  private head_: { status: number; fields: JoinedFields; priority: AppliedPriority } | null = null;
  private started = false;

  constructor(
    private readonly req: NativeRequest,
    signal: RequestSignal,
  ) {
    this.finished = new Promise((resolve) =>
      req.onClose((completed, bytesSent, priority) => resolve({ bytesSent, aborted: !completed || signal.aborted, ...(priority ? { priority } : {}) })),
    );
  }

  head(status: number, fields: Readonly<Record<string, string>>, priority: AppliedPriority, added?: Readonly<Record<string, string>> | null): void {
    const base = joinedOf(fields);
    const more = added ? joinFields(added) : null;
    this.head_ = { status, fields: more ? { count: base.count + more.count, text: base.text + more.text } : base, priority };
  }

  keep(answer: KeptAnswer): void {
    const base = joinedOf(answer.fields);
    const more = answer.added ? joinFields(answer.added) : null;
    const fields = more ? { count: base.count + more.count, text: base.text + more.text } : base;
    this.req.keep(answer.status, fields, answer.body, answer.priority, answer.ttlMs, answer.pathField, answer.record);
  }

  write(chunk: Uint8Array): boolean {
    this.start(null, true);
    return this.req.push(chunk);
  }

  drain(): Promise<void> {
    return this.req.pulled();
  }

  end(last?: Buffer): void {
    if (!this.started) {
      this.start(last ?? null, false);
      return;
    }
    if (last) this.req.push(last);
    this.req.push(null);
  }

  flushed(): Promise<void> {
    // The engine reads bodies as it builds packets and checks their mappings itself.
    return Promise.resolve();
  }

  reset(): void {
    this.req.cancel();
  }

  private start(body: Buffer | null, streaming: boolean): void {
    if (this.started) return;
    this.started = true;
    const head = this.head_;
    if (!head) throw new Error('body before head');
    // Our class default applies only where the client said nothing (the engine keeps its signal);
    // what the player reported of its buffer (CMCD) applies over the client's generic signal.
    const { chosenBy } = head.priority;
    this.req.respond(head.status, head.fields, body, chosenBy === 'client' ? undefined : head.priority, streaming, chosenBy === 'cmcd');
    // RFC 9114 §4.1.2: a complete response may come before the request is; the rest is refused.
    this.req.stopReading();
  }
}

/**
 * Frozen reply fields are one file version's, shared by all its answers (content-handler.ts):
 * joined for the engine once, and forgotten with the fields. Others are joined per response.
 */
const joinedFrozen = new WeakMap<object, JoinedFields>();

function joinedOf(fields: Readonly<Record<string, string>>): JoinedFields {
  if (!Object.isFrozen(fields)) return joinFields(fields);
  let joined = joinedFrozen.get(fields);
  if (!joined) joinedFrozen.set(fields, (joined = joinFields(fields)));
  return joined;
}
