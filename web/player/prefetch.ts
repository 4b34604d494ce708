import type { PlaybackGrant } from './playback-api.js';

/** What was fetched ahead for a title: the variant to start on and every URL now in the HTTP cache. */
export interface PrefetchedTitle {
  grant: PlaybackGrant;
  /** Absolute URL of the video playlist the player must start on to use the cached segments. */
  variantUrl: string;
  urls: string[];
}

/** Media segments fetched ahead per rendition, after its init segment. */
const SEGMENTS_AHEAD = 2;

/**
 * Puts the start of a title into the browser's HTTP cache at low priority: the master playlist,
 * the video variant the player will start on (the best one within `targetKbps`), the default
 * audio rendition, and each one's init segment and first segments (ranges in byte-range mode).
 * Segments are immutable, so the player's own requests for them are answered from the cache.
 */
export async function prefetchTitle(grant: PlaybackGrant, targetKbps: number): Promise<PrefetchedTitle> {
  const masterUrl = grant.manifests.hls;
  const master = await (await lowFetch(masterUrl)).text();
  const variantUrl = new URL(pickVariant(master, targetKbps), masterUrl).href;
  const audio = /#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*DEFAULT=YES[^\n]*URI="([^"]+)"/.exec(master)?.[1];
  const playlists = [variantUrl, ...(audio ? [new URL(audio, masterUrl).href] : [])];
  const urls = [masterUrl, ...playlists];
  await Promise.all(
    playlists.map(async (playlistUrl) => {
      const media = firstMedia(await (await lowFetch(playlistUrl)).text(), playlistUrl);
      await Promise.all(media.map((m) => lowFetch(m.url, m.range).then((r) => r.arrayBuffer())));
      urls.push(...media.map((m) => m.url + (m.range ? `#${m.range}` : '')));
    }),
  );
  return { grant, variantUrl, urls };
}

function lowFetch(url: string, range?: string): Promise<Response> {
  return fetch(url, { priority: 'low', ...(range ? { headers: { range } } : {}) } as RequestInit).then((r) => {
    if (!r.ok) throw new Error(`prefetch ${url}: ${r.status}`);
    return r;
  });
}

function pickVariant(master: string, targetKbps: number): string {
  const variants: Array<{ bps: number; uri: string }> = [];
  const lines = master.split('\n').map((l) => l.trim());
  lines.forEach((line, i) => {
    const bps = /^#EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+)/.exec(line)?.[1];
    const uri = lines.slice(i + 1).find((l) => l !== '' && !l.startsWith('#'));
    if (bps && uri) variants.push({ bps: Number(bps), uri });
  });
  variants.sort((a, b) => a.bps - b.bps);
  const fitting = variants.filter((v) => v.bps <= targetKbps * 1000);
  const chosen = fitting.at(-1) ?? variants[0];
  if (!chosen) throw new Error('master playlist has no variants');
  return chosen.uri;
}

/** The init segment and first segments of a media playlist, with HTTP ranges for EXT-X-BYTERANGE. */
function firstMedia(playlist: string, base: string): Array<{ url: string; range?: string }> {
  const out: Array<{ url: string; range?: string }> = [];
  const map = /#EXT-X-MAP:URI="([^"]+)"(?:,BYTERANGE="(\d+)@(\d+)")?/.exec(playlist);
  if (map) out.push({ url: new URL(map[1]!, base).href, ...(map[2] ? { range: httpRange(Number(map[2]), Number(map[3])) } : {}) });
  let pendingRange: { length: number; offset?: number } | null = null;
  let nextOffset = 0;
  let segments = 0;
  for (const line of playlist.split('\n').map((l) => l.trim())) {
    const br = /^#EXT-X-BYTERANGE:(\d+)(?:@(\d+))?/.exec(line);
    if (br) pendingRange = { length: Number(br[1]), ...(br[2] ? { offset: Number(br[2]) } : {}) };
    if (line === '' || line.startsWith('#')) continue;
    let range: string | undefined;
    if (pendingRange) {
      // RFC 8216 §4.3.2.2: without an offset the sub-range follows the previous one.
      const offset = pendingRange.offset ?? nextOffset;
      range = httpRange(pendingRange.length, offset);
      nextOffset = offset + pendingRange.length;
      pendingRange = null;
    }
    out.push({ url: new URL(line, base).href, ...(range ? { range } : {}) });
    if (++segments >= SEGMENTS_AHEAD) break;
  }
  return out;
}

function httpRange(length: number, offset: number): string {
  return `bytes=${offset}-${offset + length - 1}`;
}
