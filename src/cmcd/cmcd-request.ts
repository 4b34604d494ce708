import { decodeCmcd } from '@svta/cml-cmcd';

/** CTA-5004 object types (`ot`): manifest, audio, video, muxed, init, caption, timed text, key, other. */
export const CMCD_OBJECT_TYPES = ['m', 'a', 'v', 'av', 'i', 'c', 'tt', 'k', 'o'] as const;
export type CmcdObjectType = (typeof CMCD_OBJECT_TYPES)[number];

/**
 * What a player said about one request (CTA-5004 keys, CMCD v1 shapes; v2's inner lists are
 * read as their first value, or the one for the request's object type). Units as the spec
 * has them: milliseconds and kbit/s. Keys the player left out, or sent with a bad value, are absent.
 */
export interface CmcdRequest {
  /** Buffer length, ms (rounded to 100 by players). */
  bl?: number;
  /** Encoded bitrate of the requested object, kbit/s. */
  br?: number;
  /** Buffer starvation: the buffer ran empty since the last request. */
  bs?: true;
  /** Content id (at most 64 characters). */
  cid?: string;
  /** Object duration, ms. */
  d?: number;
  /** Deadline: ms until the buffer runs empty at the current playback rate. */
  dl?: number;
  /** Throughput the player measured, kbit/s. */
  mtp?: number;
  /** Next object the player will ask for: a path relative to this request's URL, decoded. */
  nor?: string;
  /** Next range it will ask for: `start-end` (end inclusive, or open). */
  nrr?: { start: number; end: number | null };
  ot?: CmcdObjectType;
  /** Playback rate (1 = real time). */
  pr?: number;
  /** Requested maximum throughput for this object, kbit/s. */
  rtp?: number;
  /** Streaming format: DASH, HLS, Smooth, other. */
  sf?: 'd' | 'h' | 's' | 'o';
  /** Session id (at most 64 characters). */
  sid?: string;
  /** Stream type: VOD or live. */
  st?: 'v' | 'l';
  /** Startup: needed urgently (start, seek, recovery after an empty buffer). */
  su?: true;
  /** Top bitrate the player may pick, kbit/s. */
  tb?: number;
  /** CMCD version; 1 unless the player says otherwise. */
  v: number;
  /** CDN id (CMCD v2). */
  cdn?: string;
}

/** How a request carried its CMCD. */
export type CmcdTransmission = 'query' | 'headers' | 'both';

/** The CMCD of one request, and what was dropped from it. */
export interface CmcdReading {
  data: CmcdRequest;
  transmission: CmcdTransmission;
  /**
   * Keys whose value was not what CTA-5004 allows (ignored), and `malformed` for each field
   * (query argument or header) that was not a structured-field dictionary at all.
   */
  invalid: string[];
}

/** The CMCD request fields (CTA-5004 §3.2, transmission as headers), lowercase as the core keeps them. */
export const CMCD_HEADER_FIELDS = ['cmcd-request', 'cmcd-object', 'cmcd-status', 'cmcd-session'] as const;

/** The query argument (CTA-5004 §3.1). */
export const CMCD_QUERY_ARG = 'CMCD';

const MAX_STRING = 64;

type Value = unknown;
type Check = (value: Value, ot: string | undefined, version: number) => unknown;

const isInteger = (v: Value): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** v2 sends many numbers as inner lists, an item per object type; v1 as a plain integer. */
const integer: Check = (v, ot) => {
  const plain = innerValue(v, ot);
  return isInteger(plain) ? plain : undefined;
};
const flag: Check = (v) => (v === true ? true : undefined);
const text: Check = (v) => (typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING ? v : undefined);
const oneOf =
  (allowed: readonly string[]): Check =>
  (v) => {
    const token = tokenText(v);
    return token !== undefined && allowed.includes(token) ? token : undefined;
  };

/** A v1 `nor` is a URL-encoded relative path; a v2 one an inner list whose first item may carry the range as `r`. */
const nextObject: Check = (v, _ot, version) => {
  const first = Array.isArray(v) ? v[0] : v;
  const raw = typeof first === 'string' ? first : isItem(first) && typeof first.value === 'string' ? first.value : undefined;
  if (raw === undefined || raw.length === 0 || raw.length > 1024) return undefined;
  if (version >= 2) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
};

const range: Check = (v) => {
  const m = typeof v === 'string' ? /^(\d+)-(\d*)$/.exec(v) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === '' ? null : Number(m[2]);
  return end !== null && end < start ? undefined : { start, end };
};

/** Every CTA-5004 (v1) key, and the v2 `cdn`, with the check its value must pass. */
const KEYS: Readonly<Record<Exclude<keyof CmcdRequest, 'v'>, Check>> = {
  bl: integer,
  br: integer,
  bs: flag,
  cid: text,
  d: integer,
  dl: integer,
  mtp: integer,
  nor: nextObject,
  nrr: range,
  ot: oneOf(CMCD_OBJECT_TYPES),
  pr: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined),
  rtp: integer,
  sf: oneOf(['d', 'h', 's', 'o']),
  sid: text,
  st: oneOf(['v', 'l']),
  su: flag,
  tb: integer,
  cdn: text,
};

/** The keys read from requests: CTA-5004 v1's, `cdn` of v2, and `v`. */
export const CMCD_KEYS_READ: readonly string[] = [...Object.keys(KEYS), 'v'];

/**
 * Reads a request's CMCD from the `CMCD` query argument and the four `CMCD-*` fields (both may
 * be there; the fields win a key both carry). Never throws: a field that does not parse, and
 * each key whose value CTA-5004 does not allow, is left out and named in `invalid`; unknown and
 * custom keys are ignored (§3.3). Returns null when the request carries no CMCD.
 *
 * `query` and `fields` are the Exchange's (field names lowercase).
 */
export function readCmcd(query: URLSearchParams, fields: ReadonlyMap<string, string>): CmcdReading | null {
  const fromQuery = query.get(CMCD_QUERY_ARG);
  // Most requests carry none: nothing allocated for them.
  let headerValues: string[] | undefined;
  for (const name of CMCD_HEADER_FIELDS) {
    const value = fields.get(name);
    if (value !== undefined) (headerValues ??= []).push(value);
  }
  if (fromQuery === null && headerValues === undefined) return null;
  headerValues ??= [];
  const invalid: string[] = [];
  const raw: Record<string, Value> = {};
  for (const value of fromQuery === null ? headerValues : [fromQuery, ...headerValues]) {
    if (value.trim() === '') continue;
    try {
      Object.assign(raw, decodeCmcd(value));
    } catch {
      invalid.push('malformed');
    }
  }
  const transmission: CmcdTransmission = fromQuery === null ? 'headers' : headerValues.length === 0 ? 'query' : 'both';
  const version = isInteger(raw.v) && raw.v >= 1 ? raw.v : 1;
  if (raw.v !== undefined && version !== raw.v) invalid.push('v');
  const ot = tokenText(raw.ot);
  const data: CmcdRequest = { v: version };
  for (const [key, check] of Object.entries(KEYS)) {
    if (!(key in raw)) continue;
    const value = check(raw[key], ot, version);
    if (value === undefined) invalid.push(key);
    else (data as unknown as Record<string, unknown>)[key] = value;
  }
  // v2 carries the next range as the `r` parameter of the `nor` item.
  if (version >= 2 && data.nrr === undefined && Array.isArray(raw.nor) && isItem(raw.nor[0]) && raw.nor[0].params?.r !== undefined) {
    const nrr = range(raw.nor[0].params.r, ot, version) as CmcdRequest['nrr'];
    if (nrr) data.nrr = nrr;
    else invalid.push('nrr');
  }
  return { data, transmission, invalid };
}

/** A structured-field token as the decoder gives it (a Symbol), or a string, as text. */
function tokenText(v: unknown): string | undefined {
  return typeof v === 'symbol' ? v.description : typeof v === 'string' ? v : undefined;
}

interface Item {
  value: unknown;
  params?: Record<string, unknown>;
}

function isItem(v: unknown): v is Item {
  return typeof v === 'object' && v !== null && 'value' in v;
}

/** A plain value, the first of an inner list, or the list's item for object type `ot`. */
function innerValue(v: Value, ot: string | undefined): unknown {
  if (!Array.isArray(v)) return isItem(v) ? v.value : v;
  const forType = ot === undefined ? undefined : v.find((item) => isItem(item) && tokenText(item.params?.ot) === ot);
  const item: unknown = forType ?? v[0];
  return isItem(item) ? item.value : item;
}
