import { psshBox, SYSTEM_IDS, type ProtectionSignal } from './protection.js';

/**
 * EXT-X-KEY lines for a media playlist (or EXT-X-SESSION-KEY for the multivariant playlist),
 * one per DRM system the title is signalled for (RFC 8216bis §4.4.4.4, §4.4.6.5).
 */
export function hlsKeyTags(p: ProtectionSignal, tag: 'EXT-X-KEY' | 'EXT-X-SESSION-KEY'): string[] {
  const method = p.scheme === 'cbcs' ? 'SAMPLE-AES' : 'SAMPLE-AES-CTR';
  const keyId = `0x${p.kid.toUpperCase()}`;
  const data = (system: string): string => `data:text/plain;base64,${psshBox(system, p.kid).toString('base64')}`;
  const lines: string[] = [];
  if (p.widevineUrl) lines.push(`#${tag}:METHOD=${method},URI="${data(SYSTEM_IDS.widevine)}",KEYID=${keyId},KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",KEYFORMATVERSIONS="1"`);
  if (p.playreadyUrl) lines.push(`#${tag}:METHOD=${method},URI="${data(SYSTEM_IDS.playready)}",KEYID=${keyId},KEYFORMAT="com.microsoft.playready",KEYFORMATVERSIONS="1"`);
  if (p.fairplayUrl && p.scheme === 'cbcs') lines.push(`#${tag}:METHOD=SAMPLE-AES,URI="skd://${p.kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`);
  if (p.clearKeyUrl) lines.push(`#${tag}:METHOD=${method},URI="${p.clearKeyUrl}",KEYID=${keyId},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`);
  // ClearKey twice, as the two open-source players read it: hls.js knows "org.w3.clearkey" (EME,
  // license server from its config) and skips an identity key with SAMPLE-AES-CTR; Shaka knows
  // only "identity" (GETs the key, takes the key id from the init segment's tenc). Not for
  // 'cbcs': hls.js takes an identity SAMPLE-AES key as MPEG-TS sample encryption and would
  // decrypt nothing. Two keys of different KEYFORMATs for the same segments: RFC 8216bis §4.4.4.4.
  if (p.identityKeyUrl && p.scheme === 'cenc') lines.push(`#${tag}:METHOD=SAMPLE-AES-CTR,URI="${p.identityKeyUrl}",KEYFORMAT="identity"`);
  return lines;
}

/**
 * Adds EXT-X-KEY lines to an fMP4 media playlist before its EXT-X-MAP (they apply to all
 * segments). A playlist without EXT-X-MAP (WebVTT subtitles, never encrypted) is returned as is.
 */
export function addHlsMediaKeys(text: string, p: ProtectionSignal): string {
  const lines = text.split(/\r?\n/).filter((l) => !l.startsWith('#EXT-X-KEY:'));
  const at = lines.findIndex((l) => l.startsWith('#EXT-X-MAP'));
  if (at < 0) return text;
  lines.splice(at, 0, ...hlsKeyTags(p, 'EXT-X-KEY'));
  return lines.join('\n');
}
