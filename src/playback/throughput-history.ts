/** Throughput samples kept per profile: enough for a stable median, small enough to follow change. */
const SAMPLES_PER_PROFILE = 5;

/** Profiles remembered at most; the one measured longest ago is forgotten first. */
const DEFAULT_MAX_PROFILES = 100_000;

/**
 * What each profile's players measured in recent sessions (reported with heartbeats), so the
 * next session starts at a bitrate this viewer's network has actually sustained. Bounded: the
 * least recently measured profiles are forgotten beyond `maxProfiles` (an LRU by insertion order).
 */
export class ThroughputHistory {
  private readonly byProfile = new Map<string, number[]>();

  constructor(private readonly maxProfiles = DEFAULT_MAX_PROFILES) {}

  record(profileId: string, kbps: number): void {
    if (!Number.isFinite(kbps) || kbps <= 0) return;
    const list = this.byProfile.get(profileId) ?? [];
    list.push(kbps);
    if (list.length > SAMPLES_PER_PROFILE) list.shift();
    // Re-inserted so the Map's order is least recently measured first.
    this.byProfile.delete(profileId);
    this.byProfile.set(profileId, list);
    if (this.byProfile.size > this.maxProfiles) this.byProfile.delete(this.byProfile.keys().next().value as string);
  }

  /** Profiles remembered. */
  get size(): number {
    return this.byProfile.size;
  }

  /** Median of the recent samples, or undefined for a profile never measured. */
  medianKbps(profileId: string): number | undefined {
    const list = [...(this.byProfile.get(profileId) ?? [])].sort((a, b) => a - b);
    if (list.length === 0) return undefined;
    const mid = Math.floor(list.length / 2);
    return list.length % 2 ? list[mid] : ((list[mid - 1] as number) + (list[mid] as number)) / 2;
  }
}
