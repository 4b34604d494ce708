import type { DrmSystem } from '../request-schema.js';
import type { KeyStore } from './key-store.js';

/** The DRM a playback session uses: system, where to get licenses, which keys it needs. */
export interface DrmChoice {
  system: DrmSystem;
  licenseUrl: string;
  keyIds: string[];
}

/** Which DRM a title is protected with, and where each system's licenses come from. */
export interface DrmCatalog {
  /** The best system both the title and the device support, or null for clear content. */
  choose(titleId: string, deviceSystems: readonly DrmSystem[], sessionId: string): Promise<DrmChoice | null>;
}

/** License servers of the commercial systems (operated elsewhere); ClearKey is ours. */
export type LicenseServers = Partial<Record<Exclude<DrmSystem, 'clearkey'>, string>>;

/** Preference when a device supports several: hardware-backed systems first. */
const PREFERENCE: readonly DrmSystem[] = ['widevine', 'playready', 'fairplay', 'clearkey'];

/** Chooses from the key store: encrypted titles get the best system the device has. */
export class KeyStoreDrm implements DrmCatalog {
  constructor(private readonly store: KeyStore, private readonly licenseServers: LicenseServers, private readonly clearKeyUrl: string) {}

  async choose(titleId: string, deviceSystems: readonly DrmSystem[], sessionId: string): Promise<DrmChoice | null> {
    const keys = await this.store.get(titleId);
    if (!keys) return null;
    const keyIds = keys.keys.map((k) => Buffer.from(k.kid, 'hex').toString('base64url'));
    for (const system of PREFERENCE) {
      if (!deviceSystems.includes(system)) continue;
      if (system === 'clearkey') return { system, licenseUrl: `${this.clearKeyUrl}?session=${encodeURIComponent(sessionId)}`, keyIds };
      const url = this.licenseServers[system];
      if (url) return { system, licenseUrl: url, keyIds };
    }
    return null;
  }
}
