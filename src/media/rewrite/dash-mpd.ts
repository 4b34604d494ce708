import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { fits, type RenditionLimit } from './rendition-limit.js';
import { contentProtectionNodes, PROTECTION_NAMESPACES } from './dash-protection.js';
import type { ProtectionSignal } from './protection.js';

/** DASH content steering (ETSI TS 103 998 / DASH-IF): one BaseURL per pathway, steering server. */
export interface DashSteering {
  serverUri: string;
  /** Pathways in preference order, each with the base URL of the title on that CDN. */
  pathways: Array<{ id: string; baseUrl: string }>;
}

const OPTIONS = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', commentPropName: '#comment' } as const;

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

/** What to change in an MPD for one session. */
export interface DashRewrite {
  limit: RenditionLimit;
  steering?: DashSteering;
  protection?: ProtectionSignal;
}

/**
 * Rewrites an MPD for one session: removes Representations above the limit (never the last
 * one of an AdaptationSet), with steering adds ContentSteering and one BaseURL per pathway,
 * with protection adds ContentProtection to audio/video AdaptationSets. Element order and
 * unknown elements are kept (preserveOrder) so the MPD stays valid.
 */
export function rewriteDashMpd(xml: string, { limit, steering, protection }: DashRewrite): string {
  const doc = new XMLParser(OPTIONS).parse(xml) as Node[];
  const mpd = doc.find((n) => 'MPD' in n);
  if (!mpd) return xml;
  const mpdChildren = mpd.MPD as Node[];
  for (const period of mpdChildren.filter((n) => 'Period' in n)) {
    for (const set of (period.Period as Node[]).filter((n) => 'AdaptationSet' in n)) {
      const children = set.AdaptationSet as Node[];
      const reps = children.filter((n) => 'Representation' in n);
      const keep = reps.filter((r) => fits(limit, num(r[':@']?.['@_height']), num(r[':@']?.['@_bandwidth'])));
      const survivors = keep.length > 0 ? keep : reps.slice(0, 1);
      const kept = children.filter((n) => (!('Representation' in n) || survivors.includes(n)) && !('ContentProtection' in n));
      const kind = set[':@']?.['@_contentType'] ?? set[':@']?.['@_mimeType'] ?? '';
      // Schema order: ContentProtection comes before Role, SegmentTemplate and Representation.
      set.AdaptationSet = protection && /video|audio/.test(kind) ? [...contentProtectionNodes(protection), ...kept] : kept;
    }
  }
  if (steering) addSteering(mpd, mpdChildren, steering);
  if (protection) mpd[':@'] = { ...mpd[':@'], ...PROTECTION_NAMESPACES };
  return new XMLBuilder({ ...OPTIONS, format: true, suppressEmptyNode: true }).build(doc) as string;
}

function addSteering(mpd: Node, children: Node[], steering: DashSteering): void {
  const rest = children.filter((n) => !('BaseURL' in n) && !('ContentSteering' in n));
  const first = steering.pathways[0];
  const steeringNode: Node = {
    ContentSteering: [{ '#text': steering.serverUri }],
    ':@': { '@_defaultServiceLocation': first?.id ?? '', '@_queryBeforeStart': 'true' },
  };
  const bases: Node[] = steering.pathways.map((p) => ({ BaseURL: [{ '#text': p.baseUrl }], ':@': { '@_serviceLocation': p.id } }));
  // Schema order in MPD: ... BaseURL*, ... ContentSteering?, ... Period+: insert both before the first Period.
  const firstPeriod = rest.findIndex((n) => 'Period' in n);
  const at = firstPeriod < 0 ? rest.length : firstPeriod;
  mpd.MPD = [...rest.slice(0, at), ...bases, steeringNode, ...rest.slice(at)];
}

function num(v: string | undefined): number | undefined {
  return v === undefined ? undefined : Number(v);
}
