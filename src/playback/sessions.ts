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
  /** When the session's token expires: the record is kept (for revocation and re-admission) until then. */
  expiresAtMs: number;
  /** CDN the session started on; HLS content steering calls it pathway ".". */
  firstCdnId?: string;
}

/** What this node says about a media request carrying a session's token. */
export type MediaAdmission =
  /** The session is live (or was re-admitted): serve. */
  | 'live'
  /** This node does not know the session (another node started it): the token alone decides. */
  | 'unknown'
  /** The session was ended (`DELETE`): its token no longer serves here. */
  | 'ended'
  /** The session stopped heartbeating and its profile already plays its limit of live streams. */
  | 'over_limit';

export interface SessionRegistryOptions {
  /** Read per decision: the operator may change it on SIGHUP. */
  limitPerProfile: () => number;
  heartbeatTtlMs: number;
  clock: () => number;
  newId: () => string;
  /** Records kept at most (oldest dropped first); bounds memory under a flood of session starts. */
  maxSessions?: number;
}

/** Expired records swept per call: keeps every operation O(1) amortised. */
const SWEEP_PER_CALL = 8;

/**
 * Playback sessions of this node and the concurrent-stream limit per profile. A session is *live*
 * while its heartbeats keep arriving; one silent for longer than `heartbeatTtlMs` stops counting
 * (the player crashed or the tab closed) and is re-admitted by its next heartbeat or media request
 * only if its profile has room. Records live until their token expires (or `maxSessions` pushes
 * the oldest out); ended sessions are remembered as ended for that long, so their token stops
 * serving at once. Every operation costs O(1) amortised, independent of the number of sessions:
 * only a profile's live sessions (at most its limit) are ever walked.
 */
export class SessionRegistry {
  /** Every known session, in start order (the sweep takes expired ones from the front). */
  private readonly sessions = new Map<string, PlaybackSession>();
  /** Sessions counted against their profile's limit; lapsed ones are pruned when the profile is asked. */
  private readonly liveByProfile = new Map<string, Set<PlaybackSession>>();
  /** Ended session id → its token's expiry, in end order. */
  private readonly ended = new Map<string, number>();
  private readonly maxSessions: number;

  constructor(private readonly opts: SessionRegistryOptions) {
    this.maxSessions = opts.maxSessions ?? 1_000_000;
  }

  /** Starts a session whose token expires at `expiresAtMs`, or throws StreamLimitReached (429). */
  start(profileId: string, titleId: string, expiresAtMs: number): PlaybackSession {
    this.sweep();
    const limit = this.opts.limitPerProfile();
    if (this.activeFor(profileId) >= limit) throw new StreamLimitReached(limit);
    const now = this.opts.clock();
    const session: PlaybackSession = { id: this.opts.newId(), profileId, titleId, startedAtMs: now, lastHeartbeatMs: now, expiresAtMs };
    this.sessions.set(session.id, session);
    this.liveSet(profileId).add(session);
    if (this.sessions.size > this.maxSessions) this.forget(this.sessions.keys().next().value as string);
    return session;
  }

  /**
   * Keeps a session counted. A lapsed session is re-admitted if its profile has room, else
   * StreamLimitReached. False if the session is unknown or ended.
   */
  heartbeat(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    if (!this.admit(s)) throw new StreamLimitReached(this.limit());
    s.lastHeartbeatMs = this.opts.clock();
    return true;
  }

  /** Decides a media request of session `id` (see {@link MediaAdmission}); called for every segment, O(1). */
  admitMedia(id: string): MediaAdmission {
    if (this.ended.has(id)) return 'ended';
    const s = this.sessions.get(id);
    if (!s) return 'unknown';
    return this.admit(s) ? 'live' : 'over_limit';
  }

  /** A session this node knows and that has not ended (live or lapsed). */
  get(id: string): PlaybackSession | undefined {
    return this.sessions.get(id);
  }

  /** Ends a session: it stops counting at once and its token is refused here until it expires. */
  end(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s) return false;
    this.forget(id);
    this.ended.set(id, s.expiresAtMs);
    if (this.ended.size > this.maxSessions) this.ended.delete(this.ended.keys().next().value as string);
    return true;
  }

  /** The concurrent-stream limit per profile now. */
  limit(): number {
    return this.opts.limitPerProfile();
  }

  /** Live sessions of a profile. */
  activeFor(profileId: string): number {
    const live = this.liveByProfile.get(profileId);
    if (!live) return 0;
    const cutoff = this.opts.clock() - this.opts.heartbeatTtlMs;
    for (const s of live) if (s.lastHeartbeatMs < cutoff) live.delete(s);
    if (live.size === 0) this.liveByProfile.delete(profileId);
    return live.size;
  }

  /** Known (not ended) and ended sessions held, for tests and metrics. */
  size(): { sessions: number; ended: number } {
    return { sessions: this.sessions.size, ended: this.ended.size };
  }

  /** Counts `s` as live if it is, or if its profile has room for it again. */
  private admit(s: PlaybackSession): boolean {
    const live = this.liveByProfile.get(s.profileId);
    if (live?.has(s) && s.lastHeartbeatMs >= this.opts.clock() - this.opts.heartbeatTtlMs) return true;
    if (this.activeFor(s.profileId) >= this.opts.limitPerProfile()) return false;
    s.lastHeartbeatMs = this.opts.clock();
    this.liveSet(s.profileId).add(s);
    return true;
  }

  private liveSet(profileId: string): Set<PlaybackSession> {
    let live = this.liveByProfile.get(profileId);
    if (!live) this.liveByProfile.set(profileId, (live = new Set()));
    return live;
  }

  private forget(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    const live = this.liveByProfile.get(s.profileId);
    live?.delete(s);
    if (live?.size === 0) this.liveByProfile.delete(s.profileId);
  }

  /** Drops a few records whose token has expired, oldest first. */
  private sweep(): void {
    const now = this.opts.clock();
    let budget = SWEEP_PER_CALL;
    for (const s of this.sessions.values()) {
      if (budget-- === 0 || s.expiresAtMs > now) break;
      this.forget(s.id);
    }
    budget = SWEEP_PER_CALL;
    for (const [id, expiresAtMs] of this.ended) {
      if (budget-- === 0 || expiresAtMs > now) break;
      this.ended.delete(id);
    }
  }
}
