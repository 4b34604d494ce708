import { getJson } from '../profile.js';

/** `POST /v1/playback` answer (src/playback/routes.ts). */
export interface PlaybackGrant {
  sessionId: string;
  titleId: string;
  manifests: { hls: string; dash: string };
  manifestPaths: { hls: string; dash: string };
  cdns: Array<{ id: string; baseUrl: string; health: string }>;
  drm: { system: string; licenseUrl: string; keyIds: string[] } | null;
  policy: {
    maxHeight: number;
    maxBandwidth: number;
    startBitrateKbps: number;
    heartbeatUrl: string;
    heartbeatIntervalSec: number;
  };
}

interface NetworkInformationLike {
  rtt?: number;
  downlink?: number;
}

/** Asks for a playback session of `titleId`; the device and network hints shape its policy. */
export function startPlayback(titleId: string, profileId: string): Promise<PlaybackGrant> {
  const connection = (navigator as Navigator & { connection?: NetworkInformationLike }).connection;
  const network: Record<string, number> = {};
  if (connection?.rtt) network.rttMs = connection.rtt;
  if (connection?.downlink) network.downlinkKbps = Math.round(connection.downlink * 1000);
  return getJson<PlaybackGrant>('/v1/playback', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      profileId,
      titleId,
      device: { platform: 'web', maxHeight: Math.round(screen.height * devicePixelRatio), drm: ['clearkey'] },
      ...(Object.keys(network).length > 0 ? { network } : {}),
    }),
  });
}

/** Ends a session so it stops counting against the profile's stream limit. */
export function endPlayback(grant: PlaybackGrant): void {
  void fetch(`/v1/playback/${encodeURIComponent(grant.sessionId)}`, { method: 'DELETE', keepalive: true }).catch(() => undefined);
}

/**
 * W3C ClearKey license for all of the grant's key ids, requested while the manifest loads; the
 * EME session later uses it instead of asking again. Null for clear titles and other systems.
 */
export async function requestLicense(grant: PlaybackGrant): Promise<ArrayBuffer | null> {
  if (!grant.drm || grant.drm.system !== 'clearkey') return null;
  const kids = grant.drm.keyIds.map(toBase64Url);
  const res = await fetch(grant.drm.licenseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kids, type: 'temporary' }),
  });
  return res.ok ? res.arrayBuffer() : null;
}

/** Key ids may arrive as UUIDs, hex or base64url; ClearKey wants base64url of the 16 bytes. */
function toBase64Url(kid: string): string {
  const hex = kid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) return kid;
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
