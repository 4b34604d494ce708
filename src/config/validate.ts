import { ConfigError } from './errors.js';
import { DEFAULT_SERVE_CONFIG, EARLY_DATA_POLICIES, LOG_LEVELS, QUIC_CONGESTION_CONTROLS, QUIC_EARLY_DATA_WINDOW_SEC, QUIC_INITIAL_WINDOW_PACKETS, type ServeConfig } from './config.js';

/** A value's problem: what it must be, or (inside an object) which part is wrong, what it must be and what it is. */
type Problem = string | { at: string; expected: string; got: unknown };
type Check = (value: unknown) => Problem | null;

const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
const port: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? null : 'an integer port 0-65535');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer');
const boolean: Check = (v) => (typeof v === 'boolean' ? null : 'true or false');
const positive: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'a positive integer');
const pathOrNull: Check = (v) => (v === null ? null : string(v));
const cdnList: Check = (v) =>
  Array.isArray(v) &&
  v.every(
    (c) =>
      typeof c === 'object' &&
      c !== null &&
      typeof c.id === 'string' &&
      typeof c.baseUrl === 'string' &&
      /^https:\/\/[^/]+\/$/.test(c.baseUrl) &&
      Array.isArray(c.regions) &&
      c.regions.every((r: unknown) => typeof r === 'string'),
  )
    ? null
    : 'a list of {"id", "baseUrl": "https://host:port/", "regions": [...]}';
const prefixMap: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, r]) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(k) && typeof r === 'string')
    ? null
    : 'an object of "prefix/len": "region"';
const licenseServers: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.entries(v).every(([k, u]) => ['widevine', 'playready', 'fairplay'].includes(k) && typeof u === 'string' && /^https:\/\//.test(u))
    ? null
    : 'an object of widevine/playready/fairplay → https URL';
/** Timers take at most 2^31-1 ms; a week is far beyond any sensible key lifetime anyway. */
const rotationSeconds: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 7 * 86400 ? null : 'an integer from 0 (only on SIGHUP) to 604800 seconds');
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `one of ${values.join(', ')}`;

/** The router's path syntax (http/path-pattern.ts): starts with `/`, a `*rest` segment only last. */
function isPathPattern(v: unknown): boolean {
  if (typeof v !== 'string' || !v.startsWith('/')) return false;
  const segments = v.split('/').filter((s) => s.length > 0);
  return segments.every((s, i) => !s.includes('*') || (i === segments.length - 1 && s.lastIndexOf('*') === 0));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{"enabled": bool, "routes": [{"match": pattern, "policy": "accept"|"reject"}]}`; either key may be left out (default). */
const earlyData: Check = (v) => {
  if (!isObject(v)) return 'an object {"enabled": true|false, "routes": [{"match": "/path/*", "policy": "accept"|"reject"}, ...]}';
  for (const key of Object.keys(v)) if (key !== 'enabled' && key !== 'routes') return { at: key, expected: 'not there (the keys are enabled and routes)', got: v[key] };
  if ('enabled' in v && typeof v.enabled !== 'boolean') return { at: 'enabled', expected: 'true or false', got: v.enabled };
  if (!('routes' in v)) return null;
  if (!Array.isArray(v.routes)) return { at: 'routes', expected: 'a list of {"match", "policy"} rules (first match wins)', got: v.routes };
  for (const [i, rule] of v.routes.entries()) {
    const at = `routes[${i}]`;
    if (!isObject(rule)) return { at, expected: 'an object {"match": "/path/*", "policy": "accept"|"reject"}', got: rule };
    for (const key of Object.keys(rule)) if (key !== 'match' && key !== 'policy') return { at: `${at}.${key}`, expected: 'not there (the keys are match and policy)', got: rule[key] };
    if (!isPathPattern(rule.match)) return { at: `${at}.match`, expected: 'a path pattern starting with / (literal segments, :name, a final *)', got: rule.match };
    if (!EARLY_DATA_POLICIES.includes(rule.policy as never)) return { at: `${at}.policy`, expected: `one of ${EARLY_DATA_POLICIES.join(', ')}`, got: rule.policy };
  }
  return null;
};

const SCHEMA: Readonly<Record<keyof ServeConfig, Check>> = {
  host: string,
  port,
  media: string,
  cert: string,
  key: string,
  logLevel: oneOf(LOG_LEVELS),
  h3Engine: oneOf(['native', 'currentspace']),
  quicCongestionControl: oneOf(QUIC_CONGESTION_CONTROLS),
  qlogDir: pathOrNull,
  earlyData,
  qlogSampleRatio: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? null : 'a number from 0 to 1'),
  quicEarlyDataWindowSec: (v) => {
    const { min, max } = QUIC_EARLY_DATA_WINDOW_SEC;
    return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `an integer from ${min} to ${max} seconds`;
  },
  quicInitialWindowPackets: (v) => {
    const { min, max } = QUIC_INITIAL_WINDOW_PACKETS;
    return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `an integer from ${min} to ${max} packets`;
  },
  quicCarefulResume: boolean,
  shutdownGraceMs: positiveInt,
  openContent: boolean,
  tokenKeys: pathOrNull,
  cdns: cdnList,
  regionPrefixes: prefixMap,
  cdnProbeIntervalMs: positiveInt,
  policyMaxHeight: positive,
  policyMaxBandwidth: positive,
  tokenTtlSec: positive,
  streamsPerProfile: positive,
  heartbeatTtlSec: positive,
  keyStore: string,
  adminPort: (v) => (v === null ? null : port(v)),
  workers: positiveInt,
  workerRestartDelayMs: positive,
  workerRestartMaxDelayMs: positive,
  idleTimeoutMs: positive,
  handshakeTimeoutMs: positive,
  requestHeadTimeoutMs: positive,
  requestBodyTimeoutMs: positive,
  requestBodyMinBytesPerSec: positive,
  maxConnections: positiveInt,
  maxConnectionsPerIp: positive,
  maxQuicConnections: positive,
  maxQuicHandshakes: positive,
  maxQuicHandshakesPerIp: positive,
  ticketKeyRotationSeconds: rotationSeconds,
  cacheBytes: positiveInt,
  upstreams: (v) => (Array.isArray(v) && v.every((u) => typeof u === 'string' && /^https:\/\/[^/]+$/.test(u)) ? null : 'a list of "https://host:port" origins'),
  upstreamCa: pathOrNull,
  upstreamMinKbps: positiveInt,
  fillWindow: (v) => (v === null || (typeof v === 'string' && /^\d{2}:\d{2}-\d{2}:\d{2}$/.test(v)) ? null : 'null or a daily window "HH:MM-HH:MM"'),
  fillRateBitsPerSec: positiveInt,
  fillDiskBudgetBytes: positiveInt,
  fillCheckIntervalMs: positive,
  cacheMode: oneOf(['mmap', 'read']),
  warmTitles: positiveInt,
  warmBytes: positiveInt,
  licenseServers,
  artworkDir: pathOrNull,
  webRoot: string,
  prefetchNextObject: boolean,
  prefetchMaxInFlight: positiveInt,
  prefetchMaxBytes: positiveInt,
  // A structured-field string (RFC 8941 §3.3.3): printable ASCII.
  cmsdNodeId: (v) => (typeof v === 'string' && /^[\x20-\x7e]{1,64}$/.test(v) ? null : 'a string of 1-64 printable ASCII characters'),
  duressEgressBitsPerSec: positiveInt,
  duressCpuPercent: (v) => (typeof v === 'number' && v >= 0 && Number.isFinite(v) ? null : 'a number of percent ≥ 0 (0 = no limit)'),
  duressMaxBitrateKbps: positive,
};

/**
 * Checks a partial config (from a file or flags) against the schema. Throws ConfigError naming
 * the first unknown key or mistyped value and where it came from.
 */
export function validatePartial(input: unknown, source: string): Partial<ServeConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(`${source}: expected a JSON object`);
  }
  for (const [key, value] of Object.entries(input)) {
    // Own keys only: "__proto__" or "toString" in a config file are unknown keys, not inherited checks.
    const check = Object.hasOwn(SCHEMA, key) ? SCHEMA[key as keyof ServeConfig] : undefined;
    if (!check) throw new ConfigError(`${source}: unknown key "${key}"`);
    const problem = check(value);
    if (typeof problem === 'string') throw new ConfigError(`${source}: "${key}" must be ${problem}, got ${JSON.stringify(value)}`);
    if (problem) throw new ConfigError(`${source}: "${key}.${problem.at}" must be ${problem.expected}, got ${JSON.stringify(problem.got)}`);
  }
  const partial = input as Partial<ServeConfig>;
  // A file that sets only `earlyData.enabled` keeps the default routes (and the other way round).
  return partial.earlyData ? { ...partial, earlyData: { ...DEFAULT_SERVE_CONFIG.earlyData, ...partial.earlyData } } : partial;
}
