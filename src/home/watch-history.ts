/** Where a profile stopped in one title. */
export interface WatchRecord {
  titleId: string;
  positionSec: number;
  durationSec: number;
  updatedAtMs: number;
}

/**
 * What playback reports about viewing; the QoE endpoint calls it for beacons of a live playback
 * session, so the profile and title come from the session, never from the client.
 */
export interface WatchRecorder {
  recordPlay(profileId: string, titleId: string): void;
  recordProgress(profileId: string, titleId: string, positionSec: number, durationSec: number): void;
}

/** What the rows ranking reads. */
export interface WatchHistoryView {
  /** The profile's titles, most recently watched first. */
  recent(profileId: string): WatchRecord[];
  /** Decayed play counts over all profiles, highest first. */
  trending(): Array<{ titleId: string; score: number }>;
  /** Changes whenever `recent(profileId)` may answer differently; 0 for a profile without history. */
  revision(profileId: string): number;
  /**
   * Changes whenever the order of `trending()` may: on every play. Between plays every score
   * decays by the same factor, so the order holds.
   */
  trendingRevision(): number;
}

export interface WatchHistoryOptions {
  clock: () => number;
  /** Plays lose half their weight in trending after this long. */
  trendingHalfLifeMs?: number;
  maxProfiles?: number;
  maxTitlesPerProfile?: number;
}

/**
 * A small in-memory watch history per profile plus decayed play counts for trending. Bounded:
 * the least recently active profiles and titles are forgotten first.
 */
export class WatchHistory implements WatchRecorder, WatchHistoryView {
  private readonly profiles = new Map<string, Map<string, WatchRecord>>();
  private readonly plays = new Map<string, { score: number; atMs: number }>();
  /** Revision of each profile in `profiles`; deleted with it. */
  private readonly revisions = new Map<string, number>();
  private changes = 0;
  private playRevision = 0;
  private readonly halfLifeMs: number;
  private readonly maxProfiles: number;
  private readonly maxTitles: number;

  constructor(private readonly opts: WatchHistoryOptions) {
    this.halfLifeMs = opts.trendingHalfLifeMs ?? 24 * 3600_000;
    this.maxProfiles = opts.maxProfiles ?? 10_000;
    this.maxTitles = opts.maxTitlesPerProfile ?? 200;
  }

  recordPlay(profileId: string, titleId: string): void {
    const now = this.opts.clock();
    const prev = this.plays.get(titleId);
    this.plays.set(titleId, { score: (prev ? this.decayed(prev, now) : 0) + 1, atMs: now });
    this.playRevision++;
    const existing = this.titlesOf(profileId).get(titleId);
    this.store(profileId, { titleId, positionSec: existing?.positionSec ?? 0, durationSec: existing?.durationSec ?? 0, updatedAtMs: now });
  }

  recordProgress(profileId: string, titleId: string, positionSec: number, durationSec: number): void {
    this.store(profileId, { titleId, positionSec, durationSec, updatedAtMs: this.opts.clock() });
  }

  recent(profileId: string): WatchRecord[] {
    return [...(this.profiles.get(profileId)?.values() ?? [])].reverse();
  }

  revision(profileId: string): number {
    return this.revisions.get(profileId) ?? 0;
  }

  trendingRevision(): number {
    return this.playRevision;
  }

  trending(): Array<{ titleId: string; score: number }> {
    const now = this.opts.clock();
    return [...this.plays]
      .map(([titleId, p]) => ({ titleId, score: this.decayed(p, now) }))
      .sort((a, b) => b.score - a.score || a.titleId.localeCompare(b.titleId));
  }

  private decayed(p: { score: number; atMs: number }, now: number): number {
    return p.score * 0.5 ** ((now - p.atMs) / this.halfLifeMs);
  }

  private titlesOf(profileId: string): Map<string, WatchRecord> {
    return this.profiles.get(profileId) ?? new Map();
  }

  /** Map insertion order is recency order: delete then set moves an entry to the end. */
  private store(profileId: string, record: WatchRecord): void {
    const titles = this.titlesOf(profileId);
    this.profiles.delete(profileId);
    this.profiles.set(profileId, titles);
    titles.delete(record.titleId);
    titles.set(record.titleId, record);
    if (titles.size > this.maxTitles) titles.delete(titles.keys().next().value as string);
    this.revisions.set(profileId, ++this.changes);
    if (this.profiles.size > this.maxProfiles) {
      const oldest = this.profiles.keys().next().value as string;
      this.profiles.delete(oldest);
      this.revisions.delete(oldest);
    }
  }
}
