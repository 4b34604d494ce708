import { encodeCmsdDynamic, encodeCmsdStatic } from '@svta/cml-cmsd';
import { SfItem } from '@svta/cml-structured-field-values';
import type { CmcdObjectType } from './cmcd-request.js';

/** CTA-5006 response fields, lowercase as the transports send them. */
export const CMSD_STATIC_FIELD = 'cmsd-static';
export const CMSD_DYNAMIC_FIELD = 'cmsd-dynamic';

/** What does not change with the moment of sending: the object's type, the stream's type and format. */
export interface CmsdStaticValues {
  ot?: CmcdObjectType;
  /** `v` VOD, `l` live. */
  st?: 'v' | 'l';
  /** `d` DASH, `h` HLS. */
  sf?: 'd' | 'h' | 's' | 'o';
}

/** What this node measures as it answers: the connection's estimate and its own duress. */
export interface CmsdDynamicValues {
  /** Estimated throughput to this client, kbit/s. */
  etp?: number;
  /** Round-trip time to this client, ms. */
  rtt?: number;
  /** Highest bitrate the node suggests the player use, kbit/s. */
  mb?: number;
  /** The node is under duress: players should ask for less. */
  du?: boolean;
}

/** Encoded `CMSD-Static` values by their key: `ot`, `sf` and `st` are enumerations (the CMCD reader drops others), so a few dozen at most. */
const staticFieldCache = new Map<string, string>();

/** `CMSD-Static` (CTA-5006 §4, a structured-field dictionary); '' when there is nothing to say. Encoded once per combination of values. */
export function formatCmsdStatic(values: CmsdStaticValues): string {
  const key = `${values.ot ?? ''}|${values.sf ?? ''}|${values.st ?? ''}`;
  let field = staticFieldCache.get(key);
  if (field === undefined) {
    const present = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    field = Object.keys(present).length === 0 ? '' : encodeCmsdStatic(present);
    staticFieldCache.set(key, field);
  }
  return field;
}

/** Largest structured-field integer (RFC 8941 §3.3.1: 15 digits). */
const MAX_SF_INTEGER = 999_999_999_999_999;

/** A CMSD-Dynamic number parameter: rounded, clamped to what a structured field carries; '' for none. */
function integerParam(key: string, v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return `;${key}=${Math.min(MAX_SF_INTEGER, Math.max(0, Math.round(v)))}`;
}

/** The last node id and its structured-field string (RFC 8941 §3.3.3): it changes only on a reload. */
let lastNode: { id: string; item: string } | null = null;

function nodeItem(nodeId: string): string {
  if (lastNode?.id !== nodeId) lastNode = { id: nodeId, item: encodeCmsdDynamic([new SfItem(nodeId, {})]) };
  return lastNode.item;
}

/**
 * `CMSD-Dynamic` (CTA-5006 §5): one list item for this node, its id (a string) with the values as
 * parameters, e.g. `"edge-7";etp=24000;rtt=21;mb=3000;du`. Numbers are rounded to integers.
 * Written here, not by the generic structured-field encoder, because it goes on every media
 * response; its parameters are integers and one flag (the test holds it to the encoder's output).
 */
export function formatCmsdDynamic(nodeId: string, values: CmsdDynamicValues): string {
  return `${nodeItem(nodeId)}${integerParam('etp', values.etp)}${integerParam('rtt', values.rtt)}${integerParam('mb', values.mb)}${values.du ? ';du' : ''}`;
}

const TEXT_SEGMENT = /\.(vtt|webvtt|ttml|dfxp|srt)$/i;

/**
 * The CTA-5004/5006 object type of a media path, as far as the path tells it: manifests by
 * extension, init segments and keys by name, then the track directory of a packaged title
 * (`video/`, `audio/`, `subs/`). Undefined when the path does not say.
 */
export function objectTypeOfPath(pathname: string): CmcdObjectType | undefined {
  const path = pathname.toLowerCase();
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name.endsWith('.m3u8') || name.endsWith('.mpd')) return 'm';
  if (name.endsWith('.key')) return 'k';
  if (name.includes('init')) return 'i';
  if (path.includes('/subs/')) return TEXT_SEGMENT.test(name) ? 'c' : 'tt';
  if (path.includes('/video/')) return 'v';
  if (path.includes('/audio/')) return 'a';
  return undefined;
}

/** The streaming format a manifest's extension names; undefined for other objects. */
export function streamingFormatOfPath(pathname: string): 'd' | 'h' | undefined {
  const path = pathname.toLowerCase();
  return path.endsWith('.mpd') ? 'd' : path.endsWith('.m3u8') ? 'h' : undefined;
}
