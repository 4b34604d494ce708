import { EARLY_DATA_WINDOW_SEC, INITIAL_WINDOW_PACKETS, type QuicCongestionControl } from '../native/quic.js';

export { QUIC_CONGESTION_CONTROLS, type QuicCongestionControl } from '../native/quic.js';
/** Bounds of `quicInitialWindowPackets` (the engine's), and its default (see the README). */
export const QUIC_INITIAL_WINDOW_PACKETS = { ...INITIAL_WINDOW_PACKETS, default: 32 } as const;
/** Bounds and default of `quicEarlyDataWindowSec` (the engine's). */
export { EARLY_DATA_WINDOW_SEC as QUIC_EARLY_DATA_WINDOW_SEC };

/** What an `earlyData` rule does with requests of its paths that arrive in TLS early data (0-RTT). */
export const EARLY_DATA_POLICIES = ['accept', 'reject'] as const;
export type EarlyDataPolicyName = (typeof EARLY_DATA_POLICIES)[number];

/** One `earlyData.routes` rule: a path pattern (the router's syntax) and its policy. */
export interface EarlyDataRule {
  match: string;
  policy: EarlyDataPolicyName;
}

export interface EarlyDataConfig {
  /** false: the QUIC engine refuses 0-RTT in the handshake (clients resend in 1-RTT). */
  enabled: boolean;
  /**
   * First match wins. `accept`: GET/HEAD/OPTIONS run from early data, other methods get 425;
   * `reject`: every request gets 425 Too Early (RFC 8470), the client resends after the
   * handshake. A path no rule matches is treated as `accept`.
   */
  routes: EarlyDataRule[];
}

/** The settings of `h3edge serve`; the config file uses exactly these keys. */
export interface ServeConfig {
  host: string;
  port: number;
  /** Directory whose files are served under /content/. */
  media: string;
  cert: string;
  key: string;
  logLevel: LogLevel;
  /** HTTP/3 implementation: our ngtcp2/nghttp3 binding or the quiche-based package. */
  h3Engine: 'native' | 'currentspace';
  /**
   * Congestion controller of the native engine's QUIC connections. BBRv2 keeps its rate through
   * random loss (Wi-Fi, mobile) where loss-based CUBIC and Reno halve their window at each drop.
   */
  quicCongestionControl: QuicCongestionControl;
  /**
   * Initial congestion window of the native engine's QUIC connections, in packets (of 1200
   * bytes until PMTU discovery finds more). RFC 9002 starts at 10; see the README for the measurement.
   */
  quicInitialWindowPackets: number;
  /**
   * 0-RTT anti-replay window of the native engine, seconds: a ticket issued before the window
   * last rolled over resumes without early data, and every 0-RTT ClientHello is remembered this long.
   */
  quicEarlyDataWindowSec: number;
  /**
   * Careful Resume (RFC 9959) on the native engine: NEW_TOKEN tokens carry the path's window and
   * RTT; a returning client on the same path starts from half that window (see the README).
   */
  quicCarefulResume: boolean;
  /** Directory for one qlog (JSON-SEQ, `<connection id>.sqlog`) per QUIC connection of the native engine; null = none. */
  qlogDir: string | null;
  /** Share of QUIC connections that get a qlog (0-1) when `qlogDir` is set. */
  qlogSampleRatio: number;
  /** 0-RTT: the global switch and the per-route policy (see EarlyDataConfig and the README). */
  earlyData: EarlyDataConfig;
  /** How long in-flight responses may run after SIGINT/SIGTERM before connections are cut. */
  shutdownGraceMs: number;
  /** Serve /content/ without playback tokens (lab use). Tokens are always accepted under /t/. */
  openContent: boolean;
  /** JSON key set for segment tokens, shared by every node; null = a random key per process. */
  tokenKeys: string | null;
  /** CDNs the playback API ranks for clients; empty = this node only. */
  cdns: Array<{ id: string; baseUrl: string; regions: string[] }>;
  /** How often each CDN's /healthz is probed for ranking and steering; 0 = never. */
  cdnProbeIntervalMs: number;
  /** Client address prefix → region, for CDN ranking (stands in for GeoDNS). */
  regionPrefixes: Record<string, string>;
  /** Ceilings of every playback session (a plan's limits). */
  policyMaxHeight: number;
  policyMaxBandwidth: number;
  tokenTtlSec: number;
  streamsPerProfile: number;
  /** A session silent for longer than this stops counting against the stream limit. */
  heartbeatTtlSec: number;
  /** Directory of per-title content keys (never inside the media directory). */
  keyStore: string;
  /** Upstream origins (or parent edges) this node pulls missing files from; empty = an origin. */
  upstreams: string[];
  /** PEM CA to trust for upstream TLS besides the system store (verification stays on). */
  upstreamCa: string | null;
  /** An upstream transfer slower than this (over 2 s windows) is moved to the next upstream; 0 = never. */
  upstreamMinKbps: number;
  /** An edge runs the nightly fill itself in this daily local window (e.g. "02:00-06:00"); null = never. */
  fillWindow: string | null;
  /** Fill download rate limit in bits/s; 0 = unlimited. */
  fillRateBitsPerSec: number;
  /** Disk budget of filled titles in bytes; 0 = no budget (nothing evicted). */
  fillDiskBudgetBytes: number;
  /** How often the fill schedule looks at the clock. */
  fillCheckIntervalMs: number;
  /** Byte budget of the memory-mapped segment cache (per worker); 0 = a quarter of RAM, at most 16 GiB. */
  cacheBytes: number;
  /** `mmap` maps files (reads if the addon is missing); `read` never maps (for comparison and debugging). */
  cacheMode: 'mmap' | 'read';
  /** Start-up warms the manifests and init segments of at most this many of the most popular titles before /readyz says ready. */
  warmTitles: number;
  /** … and of at most this many bytes of them (the first title always); the rest warm in the background or on first use. */
  warmBytes: number;
  /** Connections idle this long are closed. */
  idleTimeoutMs: number;
  /** TLS handshakes slower than this are cut off (slowloris). */
  handshakeTimeoutMs: number;
  /** A request head (HTTP/1.1 header block, HTTP/2 HEADERS) that dribbles in for longer is cut off (slowloris). */
  requestHeadTimeoutMs: number;
  /** A request body must start within this long… */
  requestBodyTimeoutMs: number;
  /** …and then arrive at least this fast (Apache mod_reqtimeout's MinRate), else `408`. */
  requestBodyMinBytesPerSec: number;
  /** TCP connections per node; 0 = from the open-file limit (it keeps max(256, 1/8) of it for files). */
  maxConnections: number;
  /** TCP connections, and QUIC connections, per client address (CGNAT puts many viewers behind one). */
  maxConnectionsPerIp: number;
  /** QUIC connections per node. */
  maxQuicConnections: number;
  /** QUIC handshakes in progress per node, also from clients that answer Retry (handshake floods). */
  maxQuicHandshakes: number;
  /** QUIC handshakes in progress per client address. */
  maxQuicHandshakesPerIp: number;
  /**
   * Session-ticket keys (TLS and QUIC) are replaced this long after the last rotation; SIGHUP
   * rotates too. Tickets under the key before stay valid for one more period. 0 = only on SIGHUP.
   */
  ticketKeyRotationSeconds: number;
  /** Worker processes; 0 = one per CPU core. */
  workers: number;
  /** A crashed worker is restarted after this delay, doubled per crash in a row (a minute without one starts over)… */
  workerRestartDelayMs: number;
  /** …up to this. The primary never gives up. */
  workerRestartMaxDelayMs: number;
  /** Loopback port for /metrics, /healthz and /readyz over plain HTTP; null = on the main port. */
  adminPort: number | null;
  /** License servers of the commercial DRM systems, signalled in manifests. */
  licenseServers: { widevine?: string; playready?: string; fairplay?: string };
  /** Generated title artwork served under /artwork/ (`make demo` writes it); null = `<media>/artwork`. */
  artworkDir: string | null;
  /** The built web app (`make web`), served at `/`, `/watch/<id>` and `/app/`. */
  webRoot: string;
  /**
   * Act on a player's CMCD next-object hint (`nor`): an edge pulls that object from its upstream
   * in the background, an origin maps it into its segment cache.
   */
  prefetchNextObject: boolean;
  /** An edge's background pulls in flight at once (per process); more hints wait for none, they are dropped. */
  prefetchMaxInFlight: number;
  /** Bytes of an edge's background pulls in flight at once (per process); a pull that would pass it is not made. */
  prefetchMaxBytes: number;
  /** This node's name in the `CMSD-Dynamic` response field. */
  cmsdNodeId: string;
  /** The node is under duress above this egress (response bytes, bits/s over 2 s, the node's; each worker its share); 0 = no limit. */
  duressEgressBitsPerSec: number;
  /** …or above this CPU use of a process (percent of one core, over 2 s); 0 = no limit. */
  duressCpuPercent: number;
  /** The highest bitrate (CMSD `mb`, kbit/s) suggested to players while the node is under duress. */
  duressMaxBitrateKbps: number;
}

/** pino's levels; `silent` logs nothing. The logger and the CLI's --log-level take them from here. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Session starts and license/key requests are answered only after the handshake (their answers
 * depend on who asks and may change state); media, manifests and the rest accept.
 */
const DEFAULT_EARLY_DATA: EarlyDataConfig = {
  enabled: true,
  routes: [
    { match: '/v1/playback/*', policy: 'reject' },
    { match: '/v1/license/*', policy: 'reject' },
    { match: '/*', policy: 'accept' },
  ],
};

export const DEFAULT_SERVE_CONFIG: Readonly<ServeConfig> = Object.freeze({
  host: '::',
  port: 8443,
  media: './media',
  cert: 'certs/dev-cert.pem',
  key: 'certs/dev-key.pem',
  logLevel: 'info',
  h3Engine: 'native',
  quicCongestionControl: 'bbr2',
  quicInitialWindowPackets: QUIC_INITIAL_WINDOW_PACKETS.default,
  quicEarlyDataWindowSec: EARLY_DATA_WINDOW_SEC.default,
  quicCarefulResume: false,
  qlogDir: null,
  qlogSampleRatio: 1,
  earlyData: DEFAULT_EARLY_DATA,
  shutdownGraceMs: 10_000,
  openContent: false,
  tokenKeys: null,
  cdns: [],
  regionPrefixes: {},
  cdnProbeIntervalMs: 5000,
  policyMaxHeight: 2160,
  policyMaxBandwidth: 50_000_000,
  tokenTtlSec: 6 * 3600,
  streamsPerProfile: 3,
  heartbeatTtlSec: 90,
  keyStore: './keys',
  adminPort: null,
  workers: 0,
  workerRestartDelayMs: 100,
  workerRestartMaxDelayMs: 30_000,
  idleTimeoutMs: 60_000,
  handshakeTimeoutMs: 10_000,
  requestHeadTimeoutMs: 10_000,
  requestBodyTimeoutMs: 10_000,
  requestBodyMinBytesPerSec: 500,
  maxConnections: 0,
  maxConnectionsPerIp: 1000,
  maxQuicConnections: 50_000,
  maxQuicHandshakes: 512,
  maxQuicHandshakesPerIp: 32,
  ticketKeyRotationSeconds: 12 * 3600,
  cacheBytes: 0,
  upstreams: [],
  upstreamCa: null,
  upstreamMinKbps: 2000,
  fillWindow: null,
  fillRateBitsPerSec: 0,
  fillDiskBudgetBytes: 0,
  fillCheckIntervalMs: 60_000,
  cacheMode: 'mmap',
  warmTitles: 200,
  warmBytes: 64 * 1024 * 1024,
  licenseServers: {},
  artworkDir: null,
  webRoot: 'dist/web',
  prefetchNextObject: true,
  prefetchMaxInFlight: 8,
  prefetchMaxBytes: 64 * 1024 * 1024,
  cmsdNodeId: 'h3edge',
  duressEgressBitsPerSec: 0,
  duressCpuPercent: 0,
  duressMaxBitrateKbps: 1500,
});
