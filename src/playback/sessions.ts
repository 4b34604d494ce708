import { HttpError } from '../http/errors.js';

export class StreamLimitReached extends HttpError {
  constructor(limit: number) {
    super(429, 'concurrent_stream_limit', `This profile already plays ${limit} streams`);
  }
}

export interface PlaybackSession {
  id: string;
  profileId: string;
  titleId: string;
  startedAtMs: number;
  lastHeartbeatMs: number;
  /** CDN the session started on; HLS content steering calls it pathway ".". */
  firstCdnId?: string;
}

/**
 * Concurrent streams per profile. A session counts while its heartbeats keep arriving; one
 * silent for longer than `heartbeatTtlMs` has ended (the player crashed or the tab closed).
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, PlaybackSession>();

  /** `limitPerProfile` is read per start: the operator may change it on SIGHUP. */
  constructor(private readonly opts: { limitPerProfile: () => number; heartbeatTtlMs: number; clock: () => number; newId: () => string }) {}

  /** Starts a session or throws StreamLimitReached (429). */
  start(profileId: string, titleId: string): PlaybackSession {
    const active = this.activeFor(profileId);
    const limit = this.opts.limitPerProfile();
    if (active >= limit) throw new StreamLimitReached(limit);
    const now = this.opts.clock();
    const session = { id: this.opts.newId(), profileId, titleId, startedAtMs: now, lastHeartbeatMs: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Keeps a session alive; false if it is unknown or already expired. */
  heartbeat(id: string): boolean {
    this.expire();
    const s = this.sessions.get(id);
    if (!s) return false;
    s.lastHeartbeatMs = this.opts.clock();
    return true;
  }

  get(id: string): PlaybackSession | undefined {
    this.expire();
    return this.sessions.get(id);
  }

  end(id: string): boolean {
    return this.sessions.delete(id);
  }

  activeFor(profileId: string): number {
    this.expire();
    let n = 0;
    for (const s of this.sessions.values()) if (s.profileId === profileId) n++;
    return n;
  }

  private expire(): void {
    const cutoff = this.opts.clock() - this.opts.heartbeatTtlMs;
    for (const [id, s] of this.sessions) if (s.lastHeartbeatMs < cutoff) this.sessions.delete(id);
  }
}
