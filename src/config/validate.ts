import { ConfigError } from './errors.js';
import { LOG_LEVELS, QUIC_CONGESTION_CONTROLS, QUIC_INITIAL_WINDOW_PACKETS, type ServeConfig } from './config.js';

type Check = (value: unknown) => string | null;

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
  qlogSampleRatio: (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? null : 'a number from 0 to 1'),
  quicInitialWindowPackets: (v) => {
    const { min, max } = QUIC_INITIAL_WINDOW_PACKETS;
    return Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? null : `an integer from ${min} to ${max} packets`;
  },
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
    const expected = check(value);
    if (expected) throw new ConfigError(`${source}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return input as Partial<ServeConfig>;
}
