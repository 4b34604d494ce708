import { accessSync, constants as fsConstants, existsSync, mkdirSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { Logger } from 'pino';
import type { ServeConfig } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { loadCredentials } from './tls/credentials.js';
import { openKeyLog, type KeyLog } from './tls/key-log.js';
import { firstTicketKeys, type TicketKeySet } from './tls/ticket-keys.js';
import { generateNodeSecrets, type NodeSecrets } from './tls/node-secrets.js';
import { Router } from './http/router.js';
import { RequestCore } from './http/core.js';
import { classifyRequest } from './priority/resource-class.js';
import { choosePriority } from './priority/buffer-policy.js';
import { serverDataFields } from './http/server-data.js';
import { PrefetchLedger } from './content/prefetch-ledger.js';
import { WarmingStore } from './content/warming-store.js';
import { TitleClasses, titleOfPath } from './content/title-classes.js';
import { CmcdMetrics, cdnOfRequest } from './observe/cmcd-metrics.js';
import { registerPrefetchMetrics } from './observe/prefetch-metrics.js';
import { DuressMonitor, registerDuressMetrics } from './observe/duress.js';
import { contentHandler } from './content/content-handler.js';
import { CachedStore } from './content/cached-store.js';
import { SegmentCache, defaultCacheBudgetBytes } from './cache/segment-cache.js';
import { PopularWarmUp } from './content/popular-warm-up.js';
import { registerCacheMetrics } from './observe/cache-metrics.js';
import { registerUpstreamMetrics } from './observe/upstream-metrics.js';
import { registerQuicMetrics, registerTicketKeyMetrics, registerTcpMetrics } from './observe/handshake-metrics.js';
import { healthHandler } from './observe/health.js';
import { ServerMetrics } from './observe/metrics.js';
import { metricsHandler } from './observe/metrics-handler.js';
import { clusterScrape } from './observe/cluster-metrics.js';
import { Readiness, readinessHandler } from './observe/readiness.js';
import { startAdminServer, type AdminServer } from './transport/admin/server.js';
import { installPlayback } from './playback/wiring.js';
import { installHome } from './home/wiring.js';
import { openKeyRing } from './playback/key-ring.js';
import { ChecksumManifest } from './edge/checksum-manifest.js';
import { jsonReply } from './http/json.js';
import { installEdge } from './edge/wiring.js';
import { registerFillMetrics } from './observe/fill-metrics.js';
import type { ContentStore } from './content/content-store.js';
import { Forbidden } from './http/errors.js';
import { planReload } from './config/reload-plan.js';
import { EarlyDataPolicy } from './http/early-data-policy.js';
import { startTcpTransport, type TcpTransport } from './transport/h2/server.js';
import { startUdpTransport, type UdpTransport } from './transport/h3/index.js';
import type { ConnectionCaps, ListenerOptions } from './transport/listener-options.js';
import { loadRlimit } from './native/rlimit.js';

/** A started server: both transports on one port. */
export interface RunningServer {
  readonly port: number;
  readonly h3Engine: string;
  readonly metrics: ServerMetrics;
  readonly readiness: Readiness;
  /** Port of the loopback admin listener, when configured. */
  readonly adminPort: number | null;
  /** The config in effect: the start config with the live fields of the last successful reload. */
  readonly config: ServeConfig;
  /**
   * SIGHUP: takes over the live fields of `fresh` (the re-read config; default: the running one)
   * and re-reads the certificate and the token key file. New TLS connections get the new
   * certificate; tokens signed with keys still in the file keep working. Changed restart-only
   * fields are logged and left alone. On any error nothing changes (config, certificate, keys)
   * and the error is thrown for the caller to log.
   */
  reload(fresh?: ServeConfig): Promise<void>;
  /**
   * Ticket-key rotation, from whoever owns the node's keys (this process's rotation or the
   * primary's message): new TLS and QUIC handshakes issue tickets under `keys.*.current`,
   * tickets under `keys.*.previous` still resume, older ones get a full handshake.
   */
  setTicketKeys(keys: TicketKeySet): void;
  /** Graceful stop: no new connections, in-flight responses finish within the configured grace. */
  close(): Promise<void>;
}

const READ_METHODS = ['GET', 'HEAD'];

/** The routes that answer with media: CMSD goes on their answers. */
const MEDIA_ROUTES = new Set(['/content/*path', '/t/:token/content/*path']);

/** With token enforcement on, media is reachable only under /t/<token>/content/. */
const tokenRequired = (): never => {
  throw new Forbidden('token_missing', 'A playback token is required');
};

/** What the processes of a node share; a process started without them makes up its own. */
export interface NodeKeys {
  secrets: NodeSecrets;
  ticketKeys: TicketKeySet;
  /** The node's 0-RTT anti-replay table, shared by its workers (an inherited descriptor). */
  replayStoreFd?: number;
}

/** A worker of a multi-process node. */
export interface WorkerContext {
  /** This worker runs the node's scheduled fill (one worker per node does). */
  runsFill: boolean;
  /** Workers of the node: each enforces an equal share of the node's connection caps. */
  count: number;
}

/** Wires config, TLS, routes, the core and both transports. The only module that knows them all. */
export async function startServer(
  config: ServeConfig,
  logger: Logger,
  context: { keys?: NodeKeys; worker?: WorkerContext; keyLogFile?: string } = {},
): Promise<RunningServer> {
  const { worker } = context;
  // SSLKEYLOGFILE: TCP's secrets through Node's keylog event; GnuTLS writes QUIC's by itself.
  const keyLog = context.keyLogFile ? openKeyLog(context.keyLogFile) : null;
  if (keyLog) logger.warn({ file: keyLog.path }, 'SSLKEYLOGFILE is set: TLS secrets of every TCP and QUIC connection are written to it');
  if (config.qlogDir !== null) prepareQlogDir(config.qlogDir);
  const keys = context.keys ?? { secrets: generateNodeSecrets(), ticketKeys: firstTicketKeys() };
  let ticketKeyGeneration = keys.ticketKeys.generation;
  // Per-request settings read this; a reload replaces it (restart-only fields keep their start value).
  let running = config;
  const credentials = loadCredentials(config.cert, config.key);
  const keyRing = openKeyRing(config.tokenKeys, logger, keys.secrets.token);
  const metrics = new ServerMetrics();
  const readiness = new Readiness();
  // An edge's media directory is its cache: it starts empty. An origin's must be there to serve.
  if (config.upstreams.length > 0) mkdirSync(config.media, { recursive: true });
  else if (!existsSync(config.media)) logger.warn({ media: config.media }, 'media directory does not exist; /readyz reports not ready until it does');
  readiness.add({ name: 'media', check: () => ({ ready: existsSync(config.media), detail: config.media }) });
  const cache = new SegmentCache({
    budgetBytes: config.cacheBytes === 0 ? defaultCacheBudgetBytes(totalmem()) : config.cacheBytes,
    onWarning: (msg, fields) => logger.warn(fields ?? {}, msg),
    forceReadFallback: config.cacheMode === 'read',
  });
  registerCacheMetrics(metrics.registry, () => cache.stats());
  // Ready once the most popular titles are warm; the rest follow in the background (stopped at close).
  const warmUp = new PopularWarmUp({
    mediaRoot: config.media,
    warm: (paths) => cache.warm(paths),
    titles: config.warmTitles,
    bytes: config.warmBytes,
    roomForMore: () => {
      const s = cache.stats();
      // Half the cache's files and bytes at most: the other half is for what viewers ask for.
      return s.entries < s.maxEntries / 2 && s.cachedBytes < s.budgetBytes / 2;
    },
    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    onReady: (done) => logger.info(done, 'popular titles warm: ready'),
    onBackgroundDone: (done) => logger.info(done, 'background warm-up done'),
    now: () => performance.now(),
  });
  readiness.add({ name: 'cache-warm', check: () => ({ ready: warmUp.ready, detail: cache.stats().mode }) });
  void warmUp.run();
  const cachedStore = new CachedStore(cache);
  // CMCD next-object hints: an edge pulls the object in the background, an origin warms its cache.
  const prefetched = new PrefetchLedger({ now: () => performance.now() });
  // An edge (upstreams configured) pulls what it lacks; an origin serves its own files only.
  const edge =
    config.upstreams.length === 0
      ? null
      : installEdge(config, { local: cachedStore, keys: keyRing.keys, logger, clock: Date.now, runsFill: worker?.runsFill ?? true, onFillRun: registerFillMetrics(metrics.registry), ledger: prefetched });
  const prefetcher = edge?.store ?? new WarmingStore(cachedStore, (abs) => cache.warm([abs]), prefetched);
  registerPrefetchMetrics(metrics.registry, edge ? 'pull' : 'warm', () => prefetched.counts());
  const next = () => (running.prefetchNextObject ? prefetcher : null);
  const localStore: ContentStore = prefetcher;
  if (edge) registerUpstreamMetrics(metrics.registry, () => edge.store.health());
  const fill = edge?.fill;
  // A fill that could reach no upstream leaves the node unprepared for tomorrow's demand.
  if (fill) readiness.add({ name: 'fill', check: () => ({ ready: fill.lastResult !== 'failed', detail: fill.lastResult ?? 'no run yet' }) });
  const router = new Router();
  // Operator endpoints live on the main port unless an admin port takes them off it.
  const opsRouter = config.adminPort === null ? router : new Router();
  opsRouter
    .add(READ_METHODS, '/healthz', healthHandler())
    .add(READ_METHODS, '/readyz', readinessHandler(readiness))
    .add(READ_METHODS, '/metrics', metricsHandler(metrics.registry, worker ? clusterScrape(metrics.registry) : undefined));
  // Open content: the same file for anyone, so the HTTP/3 engine may repeat small answers itself.
  const serveContent = contentHandler({ root: config.media, store: localStore, next, repeatable: true });
  router.add(READ_METHODS, '/content/*path', (ex, params) => (running.openContent ? serveContent(ex, params) : tokenRequired()));
  // What edges pre-position from this node: every title's files with their sha256, popular first.
  const manifest = new ChecksumManifest(config.media);
  router.add(['GET'], '/v1/fill/manifest', async () => jsonReply(200, await manifest.build(), { 'cache-control': 'no-cache' }));
  const playback = installPlayback(router, config, {
    store: localStore,
    next,
    logger,
    clock: Date.now,
    keyRing,
    running: () => running,
    // Our own certificate is trusted for probing sibling edges that share it (a private deployment).
    trustedCa: [credentials.cert],
  });
  // Browse API, artwork, QoE beacons and the web app; beacons are checked against playback sessions.
  installHome(router, config, { store: cachedStore, clock: Date.now, registry: metrics.registry, sessions: (sid) => playback.service.session(sid) });
  // Duress (CMSD `du`, `mb`): this process's egress against its share of the node's limit, and its CPU.
  const duress = new DuressMonitor({
    limits: () => ({
      egressBitsPerSec: running.duressEgressBitsPerSec / (worker?.count ?? 1),
      cpuPercent: running.duressCpuPercent,
      maxBitrateKbps: running.duressMaxBitrateKbps,
      normalMaxBitrateKbps: Math.round(running.policyMaxBandwidth / 1000),
    }),
    now: () => performance.now(),
    cpuUsage: () => process.cpuUsage(),
  });
  registerDuressMetrics(metrics.registry, duress);
  const titles = new TitleClasses(config.media, () => performance.now());
  const cmcdMetrics = new CmcdMetrics(metrics.registry, { titleClass: (ex) => titles.classOf(titleOfPath(ex.pathname) ?? ''), cdn: cdnOfRequest(config.cdns) });
  // The earlyData policy, compiled again only when a reload changed it.
  let earlyData = new EarlyDataPolicy(config.earlyData);
  const earlyDataPolicy = (): EarlyDataPolicy => (earlyData.config === running.earlyData ? earlyData : (earlyData = new EarlyDataPolicy(running.earlyData)));
  const coreFor = (routes: Router): RequestCore =>
    new RequestCore({
      router: routes,
      logger,
      earlyData: earlyDataPolicy,
      bodyTimeoutMs: config.requestBodyTimeoutMs,
      bodyMinBytesPerSec: config.requestBodyMinBytesPerSec,
      priorityFor: (ex) => choosePriority(classifyRequest(ex.pathname, ex.headers), ex.clientPriority, ex.cmcd?.data ?? null),
      serverData: serverDataFields({ nodeId: () => running.cmsdNodeId, isMediaRoute: (route) => MEDIA_ROUTES.has(route), advice: () => duress.advice() }),
      onCompleted: (done) => {
        metrics.observe(done);
        cmcdMetrics.observe(done);
        duress.recordBytes(done.completion.bytesSent);
      },
    });
  const core = coreFor(router);
  const admin: AdminServer | null = config.adminPort === null ? null : await startAdminServer(coreFor(opsRouter), config.adminPort);
  const caps = connectionCaps(config, worker?.count ?? 1, openFileLimit(logger));
  const transportOptions = (port: number): Omit<ListenerOptions, 'ticketKeys'> => ({
    host: config.host,
    port,
    credentials,
    core,
    logger,
    idleTimeoutMs: config.idleTimeoutMs,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    requestHeadTimeoutMs: config.requestHeadTimeoutMs,
    caps,
  });
  const { tcp, udp } = await bindBoth(config, transportOptions, keys, worker, keyLog).catch(async (err: unknown) => {
    await admin?.close();
    keyLog?.close();
    throw err;
  });
  registerTcpMetrics(metrics.registry, () => tcp.stats());
  registerQuicMetrics(metrics.registry, () => udp.stats());
  registerTicketKeyMetrics(metrics.registry, () => ticketKeyGeneration);
  readiness.add({ name: 'tls', check: () => ({ ready: true, detail: running.cert }) });
  logger.info({ port: tcp.port, adminPort: admin?.port, host: config.host, h3Engine: udp.engine, media: config.media }, 'listening');
  if (ipv4Only(config.host)) {
    // TCP clients fall back from ::1 to 127.0.0.1; Chromium's QUIC to a forced origin does not.
    logger.warn({ host: config.host }, 'IPv4-only address: Chromium resolves localhost to ::1, so its HTTP/3 to https://localhost fails; listen on :: (default) or ::1 for browsers on this machine');
  }
  return {
    port: tcp.port,
    h3Engine: udp.engine,
    metrics,
    readiness,
    adminPort: admin?.port ?? null,
    get config() {
      return running;
    },
    reload: async (fresh = running) => {
      const { next, applied, needRestart } = planReload(running, fresh);
      // Everything that can fail comes first, so a bad file or path leaves the node as it was.
      const credentials = loadCredentials(next.cert, next.key);
      const switchEdge = edge?.prepareReload(next);
      keyRing.reload(next.tokenKeys); // the last step that can fail; it changes nothing when it does
      switchEdge?.();
      tcp.setCredentials(credentials);
      udp.setCredentials(credentials);
      // Children are made without their own level, so they follow the root logger's.
      logger.level = next.logLevel;
      if (next.earlyData.enabled !== running.earlyData.enabled) udp.setEarlyData(next.earlyData.enabled);
      // Answers the engine repeats were decided under the old settings (openContent, routes).
      udp.forgetKept();
      running = next;
      if (needRestart.length > 0) logger.warn({ fields: needRestart }, 'changed settings take effect on restart');
      logger.info({ changed: applied, cert: next.cert, tokenKeys: next.tokenKeys }, 'reloaded certificate, token keys and configuration');
    },
    setTicketKeys: (next) => {
      tcp.setTicketKeys(next.tcp);
      udp.setTicketKeys(next.quic);
      ticketKeyGeneration = next.generation;
      logger.info({ generation: next.generation }, 'rotated session-ticket keys');
    },
    close: async () => {
      playback.stop();
      warmUp.stop();
      await Promise.all([edge?.close(), tcp.close(running.shutdownGraceMs), udp.close(running.shutdownGraceMs), admin?.close()]);
      keyLog?.close();
    },
  };
}

/**
 * Raises the open-file limit to the hard one (each connection is a descriptor, files need theirs
 * too) and returns the soft limit in effect; the inherited one when the addon is missing.
 */
function openFileLimit(logger: Logger): number {
  const loaded = loadRlimit();
  if ('error' in loaded) {
    logger.warn({ error: loaded.error.message }, 'rlimit addon unavailable: the inherited open-file limit stays');
    return OPEN_FILES_UNKNOWN;
  }
  const { soft } = loaded.addon.raiseOpenFileLimit();
  logger.debug({ openFiles: soft }, 'open-file limit');
  return soft;
}

/** What is assumed without the rlimit addon: Linux's usual default. */
const OPEN_FILES_UNKNOWN = 1024;

/**
 * This process's share of the node's connection caps. `maxConnections` 0 takes the open-file
 * limit less what files, upstreams and sockets need (max(256, 1/8 of it)), so connections can
 * never starve the node of descriptors (an `EMFILE` on a segment would be a 500).
 */
export function connectionCaps(config: ServeConfig, workers: number, openFiles: number): ConnectionCaps {
  const share = (n: number): number => Math.max(1, Math.ceil(n / workers));
  const byFiles = Number.isFinite(openFiles) ? Math.max(16, openFiles - Math.max(256, Math.floor(openFiles / 8))) : Number.MAX_SAFE_INTEGER;
  return {
    tcpConnections: config.maxConnections === 0 ? byFiles : Math.min(byFiles, share(config.maxConnections)),
    perAddress: share(config.maxConnectionsPerIp),
    quicConnections: share(config.maxQuicConnections),
    quicHandshakes: share(config.maxQuicHandshakes),
    quicHandshakesPerAddress: share(config.maxQuicHandshakesPerIp),
  };
}

/** Binds TCP, then UDP on the same port number (with port 0, the one TCP got). */
async function bindBoth(
  config: ServeConfig,
  options: (port: number) => Omit<ListenerOptions, 'ticketKeys'>,
  keys: NodeKeys,
  worker: WorkerContext | undefined,
  keyLog: KeyLog | null,
): Promise<{ tcp: TcpTransport; udp: UdpTransport }> {
  // Workers share the TCP listener through node:cluster and the UDP port through SO_REUSEPORT.
  const tcp = await startTcpTransport({ ...options(config.port), ticketKeys: keys.ticketKeys.tcp, ...(keyLog ? { keyLog: keyLog.write } : {}) }).catch((err: unknown) => {
    throw bindError(err, config.port, 'TCP');
  });
  try {
    const udpOptions = {
      ...options(tcp.port),
      ticketKeys: keys.ticketKeys.quic,
      tokenSecret: keys.secrets.quicTokens,
      reusePort: worker !== undefined,
      congestionControl: config.quicCongestionControl,
      ...(keys.replayStoreFd !== undefined ? { replayStoreFd: keys.replayStoreFd } : {}),
      initialWindowPackets: config.quicInitialWindowPackets,
      earlyData: config.earlyData.enabled,
      earlyDataWindowSec: config.quicEarlyDataWindowSec,
      carefulResume: config.quicCarefulResume,
      ...(config.qlogDir !== null ? { qlogDir: config.qlogDir, qlogSampleRatio: config.qlogSampleRatio } : {}),
    };
    return { tcp, udp: await startUdpTransport(config.h3Engine, udpOptions) };
  } catch (err) {
    await tcp.close(0);
    throw bindError(err, tcp.port, 'UDP');
  }
}

/** The qlog directory exists (made if missing) and is writable, or the node does not start. */
function prepareQlogDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, fsConstants.W_OK);
  } catch (err) {
    throw new ConfigError(`qlogDir ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function bindError(err: unknown, port: number, proto: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port}/${proto} is already in use`);
  if (code === 'EACCES') return new ConfigError(`port ${port}/${proto}: permission denied`);
  return err;
}

/** The loopback or wildcard IPv4 address: reachable as `localhost` only by clients that try 127.0.0.1. */
function ipv4Only(host: string): boolean {
  return host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
