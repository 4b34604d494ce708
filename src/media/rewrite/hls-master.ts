import { fits, type RenditionLimit } from './rendition-limit.js';
import { hlsKeyTags } from './hls-keys.js';
import type { ProtectionSignal } from './protection.js';

/** Content steering for HLS (draft-pantos-hls-rfc8216bis §4.4.6.6): where to ask, which pathway first. */
export interface HlsSteering {
  serverUri: string;
  pathwayId: string;
}

/**
 * Rewrites a multivariant playlist for one session: drops EXT-X-STREAM-INF variants (with their
 * URI line) and EXT-X-I-FRAME-STREAM-INF entries above the limit, and adds the session's
 * content-steering tag and DRM session keys. Media playlists pass through unchanged. Never drops the last variant:
 * if nothing fits, the lowest one stays so the title still plays.
 */
export function rewriteHlsMaster(text: string, limit: RenditionLimit, steering?: HlsSteering, protection?: ProtectionSignal): string {
  const lines = text.split(/\r?\n/);
  if (!lines.some((l) => l.startsWith('#EXT-X-STREAM-INF:'))) return text;
  const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).map(attributes);
  const anyFits = variants.some((a) => fits(limit, a.height, a.bandwidth));
  const lowest = Math.min(...variants.map((a) => a.bandwidth ?? Infinity));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith('#EXT-X-STREAM-INF:') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
      const a = attributes(line);
      const keep = anyFits ? fits(limit, a.height, a.bandwidth) : a.bandwidth === lowest;
      if (!keep) {
        if (line.startsWith('#EXT-X-STREAM-INF:')) i++; // its URI line
        continue;
      }
    }
    if (line.startsWith('#EXT-X-CONTENT-STEERING:') || line.startsWith('#EXT-X-SESSION-KEY:')) continue;
    out.push(line);
    if (steering && line.startsWith('#EXT-X-INDEPENDENT-SEGMENTS')) out.push(steeringTag(steering));
  }
  // Session keys let a player start its license requests before loading a media playlist.
  if (protection) out.splice(1, 0, ...hlsKeyTags(protection, 'EXT-X-SESSION-KEY'));
  if (steering && !out.some((l) => l.startsWith('#EXT-X-CONTENT-STEERING:'))) out.splice(1, 0, steeringTag(steering));
  return out.join('\n');
}

function steeringTag(s: HlsSteering): string {
  return `#EXT-X-CONTENT-STEERING:SERVER-URI="${s.serverUri}",PATHWAY-ID="${s.pathwayId}"`;
}

function attributes(line: string): { height?: number; bandwidth?: number } {
  const res = /RESOLUTION=(\d+)x(\d+)/.exec(line);
  const bw = /(?:^|[:,])BANDWIDTH=(\d+)/.exec(line);
  return { height: res ? Number(res[2]) : undefined, bandwidth: bw ? Number(bw[1]) : undefined };
}
