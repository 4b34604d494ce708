import { psshBox, SYSTEM_IDS, uuid, type ProtectionSignal } from './protection.js';

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

const text = (s: string): Node[] => [{ '#text': s }];

/**
 * ContentProtection descriptors for one AdaptationSet (DASH-IF IOP §7): the mp4protection
 * scheme with the default KID, then one per DRM system with its pssh and license URL.
 */
export function contentProtectionNodes(p: ProtectionSignal): Node[] {
  const nodes: Node[] = [
    { ContentProtection: [], ':@': { '@_schemeIdUri': 'urn:mpeg:dash:mp4protection:2011', '@_value': p.scheme, '@_cenc:default_KID': uuid(p.kid) } },
  ];
  const pssh = (system: string): Node => ({ 'cenc:pssh': text(psshBox(system, p.kid).toString('base64')) });
  if (p.widevineUrl) {
    nodes.push({ ContentProtection: [pssh(SYSTEM_IDS.widevine), { 'dashif:Laurl': text(p.widevineUrl) }], ':@': { '@_schemeIdUri': `urn:uuid:${uuid(SYSTEM_IDS.widevine)}`, '@_value': 'Widevine' } });
  }
  if (p.playreadyUrl) {
    nodes.push({ ContentProtection: [pssh(SYSTEM_IDS.playready), { 'mspr:la_url': text(p.playreadyUrl) }], ':@': { '@_schemeIdUri': `urn:uuid:${uuid(SYSTEM_IDS.playready)}`, '@_value': 'MSPR 2.0' } });
  }
  if (p.clearKeyUrl) {
    nodes.push({ ContentProtection: [{ 'dashif:Laurl': text(p.clearKeyUrl), ':@': { '@_Lic_type': 'EME-1.0' } }], ':@': { '@_schemeIdUri': `urn:uuid:${uuid(SYSTEM_IDS.clearkey)}`, '@_value': 'ClearKey1.0' } });
  }
  return nodes;
}

/** Namespaces the descriptors use, declared on the MPD element. */
export const PROTECTION_NAMESPACES: Readonly<Record<string, string>> = {
  '@_xmlns:cenc': 'urn:mpeg:cenc:2013',
  '@_xmlns:dashif': 'https://dashif.org/CPS',
  '@_xmlns:mspr': 'urn:microsoft:playready',
};
