import type { DrmSystem } from './request-schema.js';

/** Which DRM a title is protected with, and where each system's licenses come from. */
export interface DrmCatalog {
  /** The best system both the title and the device support, or null for clear content. */
  choose(titleId: string, deviceSystems: readonly DrmSystem[]): Promise<{ system: DrmSystem; licenseUrl: string; keyIds: string[] } | null>;
}

/** For libraries without encrypted titles: every title is clear. */
export const CLEAR_CONTENT: DrmCatalog = { choose: async () => null };
