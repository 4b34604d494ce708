import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exchange } from '../http/exchange.js';
import { Forbidden, NotFound } from '../http/errors.js';
import type { KeySet } from './keyset.js';
import { signToken } from './token.js';
import type { PlaybackRequest } from './request-schema.js';
import { decidePolicy, type PlaybackPolicy, type PolicyLimits } from './policy.js';
import { StreamLimitReached, type SessionRegistry, type PlaybackSession } from './sessions.js';
import { rankCdns, type Cdn, type CdnHealth, type RankedCdn, type RegionMap } from './cdn-ranking.js';
import type { DrmCatalog, DrmChoice } from './drm/drm-catalog.js';
import type { ThroughputHistory } from './throughput-history.js';

export interface PlaybackServiceDeps {
  mediaRoot: string;
  /** The current token key set (replaced on reload). */
  keys: () => KeySet;
  /** Empty: the node answering the API is the only CDN. */
  cdns: readonly Cdn[];
  regions: RegionMap;
  health: (cdnId: string) => CdnHealth;
  /** Read per request: the operator may change them on SIGHUP. */
  limits: () => PolicyLimits;
  sessions: SessionRegistry;
  drm: DrmCatalog;
  history: ThroughputHistory;
  clock: () => number;
}

/** A started playback: everything the player needs for the next minutes. */
export interface PlaybackGrant {
  session: PlaybackSession;
  token: string;
  cdns: RankedCdn[];
  policy: PlaybackPolicy;
  drm: DrmChoice | null;
  /** Title-relative paths under each CDN base URL. */
  paths: { hls: string; dash: string };
}

/**
 * Decides a playback: checks the title exists, applies the policy, admits the session against
 * the concurrent-stream limit, signs the segment token and ranks the CDNs for this client.
 */
export class PlaybackService {
  constructor(private readonly deps: PlaybackServiceDeps) {}

  async start(req: PlaybackRequest, ex: Exchange): Promise<PlaybackGrant> {
    await this.assertTitleExists(req.titleId);
    const nowSec = Math.floor(this.deps.clock() / 1000);
    const policy = decidePolicy(req, this.deps.limits(), nowSec, this.deps.history.medianKbps(req.profileId));
    const session = this.deps.sessions.start(req.profileId, req.titleId, policy.expiresAtSec * 1000);
    const token = signToken(
      { tid: req.titleId, sid: session.id, exp: policy.expiresAtSec, maxH: policy.maxHeight, maxBw: policy.maxBandwidth, api: ex.authority },
      this.deps.keys(),
    );
    const cdns = this.rankFor(ex);
    session.firstCdnId = cdns[0]?.id ?? 'self';
    const base = `t/${token}/content/${req.titleId}`;
    return {
      session,
      token,
      cdns,
      policy,
      drm: await this.deps.drm.choose(req.titleId, req.device.drm ?? [], session.id),
      paths: { hls: `${base}/master.m3u8`, dash: `${base}/manifest.mpd` },
    };
  }

  /** CDNs in preference order for this client; the answering node itself when none are configured. */
  rankFor(ex: Exchange): RankedCdn[] {
    if (this.deps.cdns.length === 0) return [{ id: 'self', baseUrl: `https://${ex.authority}/`, health: 'up' }];
    return rankCdns(this.deps.cdns, this.deps.regions.regionOf(ex.remoteAddress), this.deps.health);
  }

  session(sessionId: string): PlaybackSession | undefined {
    return this.deps.sessions.get(sessionId);
  }

  /**
   * Called for every media request under a session's token: a session ended here is refused
   * (403 `token_revoked`), one that stopped heartbeating while its profile plays its limit of
   * live streams gets 429. Sessions of other nodes pass: their token alone decides.
   */
  admitMedia(sessionId: string): void {
    const admission = this.deps.sessions.admitMedia(sessionId);
    if (admission === 'ended') throw new Forbidden('token_revoked', 'The playback session has ended');
    if (admission === 'over_limit') throw new StreamLimitReached(this.deps.sessions.limit());
  }

  /**
   * Keeps a session counted (re-admits a lapsed one if its profile has room, else 429);
   * `measuredKbps` (the player's throughput) feeds the next start bitrate.
   */
  heartbeat(sessionId: string, measuredKbps?: number): boolean {
    const session = this.deps.sessions.get(sessionId);
    if (!session || !this.deps.sessions.heartbeat(sessionId)) return false;
    if (measuredKbps !== undefined) this.deps.history.record(session.profileId, measuredKbps);
    return true;
  }

  end(sessionId: string): boolean {
    return this.deps.sessions.end(sessionId);
  }

  private async assertTitleExists(titleId: string): Promise<void> {
    try {
      await stat(join(this.deps.mediaRoot, titleId, 'master.m3u8'));
    } catch {
      throw new NotFound(`Unknown title ${titleId}`);
    }
  }
}
