import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { loadCredentials } from '../../tls/credentials.js';
import { FILL_WORKER_ENV, NODE_CONFIG_ENV, runPrimary } from './serve-cluster.js';
import { TicketKeySource } from './ticket-key-source.js';
import type { ServeConfig } from '../../config/config.js';
import { loadConfigFile, resolveServeConfig } from '../../config/load.js';
import { ConfigError } from '../../config/errors.js';
import { createLogger } from '../../observe/logger.js';
import { startServer } from '../../server.js';
import type { CommandIo } from '../io.js';

export const SERVE_USAGE = `h3edge serve [--port 8443] [--host ::] [--media ./media] [--cert F --key F]
             [--config F] [--log-level info] [--h3-engine native|currentspace] [--shutdown-grace-ms 10000]
             [--open-content | --no-open-content] [--token-keys F] [--admin-port N] [--workers N (0 = cores)]
             [--cache-bytes N (0 = a quarter of RAM)] [--upstream https://a:8443,https://b:8443 [--upstream-ca F]]
             [--qlog-dir DIR]`;

/** `h3edge serve`: runs until SIGINT/SIGTERM, then drains and resolves with exit code 0. */
export async function runServe(argv: string[], io: CommandIo): Promise<number> {
  // A worker runs with the node's config from its primary: one forked after a reload then
  // matches its siblings (restart-only fields from the start, live fields from the last reload).
  const fromPrimary = cluster.isWorker ? process.env[NODE_CONFIG_ENV] : undefined;
  const config: ServeConfig = fromPrimary ? JSON.parse(fromPrimary) : serveConfigFromArgs(argv);
  const workers = config.workers === 0 ? availableParallelism() : config.workers;
  if (workers > 1 && cluster.isPrimary) {
    loadCredentials(config.cert, config.key); // a bad certificate is reported once, before forking
    return runPrimary(config, workers, io);
  }
  const logger = createLogger(config.logLevel);
  const keySource = cluster.isWorker ? TicketKeySource.fromPrimary(process.env, logger) : TicketKeySource.own(config, logger);
  let server;
  try {
    const worker = cluster.isWorker ? { runsFill: process.env[FILL_WORKER_ENV] === '1', count: workers } : undefined;
    // SSLKEYLOGFILE: as curl and browsers do, and as GnuTLS (QUIC) does by itself.
    const keyLogFile = process.env.SSLKEYLOGFILE || undefined;
    server = await startServer(config, logger, { keys: keySource.keys, worker, ...(keyLogFile ? { keyLogFile } : {}) });
  } catch (err) {
    keySource.stop();
    if (!cluster.isWorker) throw err;
    // The primary reports it once for all workers and stops the node.
    const code = err instanceof ConfigError ? 2 : 1;
    const message = { startupError: err instanceof ConfigError ? err.message : String((err as Error).stack ?? err), code };
    await new Promise<void>((resolve) => process.send?.(message, () => resolve()));
    process.disconnect?.();
    return code;
  }
  keySource.attach(server);
  if (cluster.isWorker) process.send?.({ listening: server.port });
  else io.stderr.write(`h3edge: serving ${config.media} on https://localhost:${server.port}/ (h2, http/1.1 over TCP; h3 over UDP)\n`);
  // SIGHUP: re-read the config file (flags still win), a renewed certificate and rotated token
  // keys without dropping anyone, and rotate the session-ticket keys.
  const reload = (): void => {
    Promise.resolve()
      .then(() => server.reload(serveConfigFromArgs(argv)))
      .then(() => (cluster.isWorker ? process.send?.({ reloaded: server.config }) : undefined))
      .catch((err: unknown) => logger.error({ err: (err as Error).message }, 'reload failed; keeping the running configuration, certificate and keys'));
    keySource.onSighup();
  };
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      logger.info({ signal, graceMs: server.config.shutdownGraceMs }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.removeListener('SIGHUP', reload);
  keySource.stop();
  logger.info('stopped');
  logger.flush();
  // The IPC channel to the primary would keep a drained worker alive.
  if (cluster.isWorker) process.disconnect?.();
  return 0;
}

/** Flags → config: defaults, then `--config` file, then the flags themselves. */
export function serveConfigFromArgs(argv: string[]): ServeConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        media: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'h3-engine': { type: 'string' },
        'shutdown-grace-ms': { type: 'string' },
        'open-content': { type: 'boolean' },
        'no-open-content': { type: 'boolean' },
        'token-keys': { type: 'string' },
        'admin-port': { type: 'string' },
        workers: { type: 'string' },
        'cache-bytes': { type: 'string' },
        upstream: { type: 'string' },
        'upstream-ca': { type: 'string' },
        'qlog-dir': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (see h3edge serve --help)`);
  }
  const flags: Record<string, unknown> = {
    host: values.host,
    port: values.port === undefined ? undefined : numberFlag('--port', values.port),
    media: values.media,
    cert: values.cert,
    key: values.key,
    logLevel: values['log-level'],
    h3Engine: values['h3-engine'],
    shutdownGraceMs: values['shutdown-grace-ms'] === undefined ? undefined : numberFlag('--shutdown-grace-ms', values['shutdown-grace-ms']),
    openContent: values['no-open-content'] ? false : values['open-content'],
    tokenKeys: values['token-keys'],
    adminPort: values['admin-port'] === undefined ? undefined : numberFlag('--admin-port', values['admin-port']),
    workers: values.workers === undefined ? undefined : numberFlag('--workers', values.workers),
    cacheBytes: values['cache-bytes'] === undefined ? undefined : numberFlag('--cache-bytes', values['cache-bytes']),
    upstreams: values.upstream === undefined ? undefined : values.upstream.split(',').map((u) => u.trim().replace(/\/+$/, '')),
    upstreamCa: values['upstream-ca'],
    qlogDir: values['qlog-dir'],
  };
  for (const k of Object.keys(flags)) if (flags[k] === undefined) delete flags[k];
  const fromFile = values.config === undefined ? {} : loadConfigFile(values.config);
  return resolveServeConfig(fromFile, flags as Partial<ServeConfig>);
}

function numberFlag(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}
