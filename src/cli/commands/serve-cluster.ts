import { serveClusterScrapes } from '../../observe/cluster-metrics.js';
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { createLogger } from '../../observe/logger.js';
import { RestartBackoff } from './restart-backoff.js';
import { createReplayStore } from '../../native/quic.js';
import type { ServeConfig } from '../../config/config.js';
import { encodeTicketKeySet, type TicketKeySet } from '../../tls/ticket-keys.js';
import { encodeNodeSecrets, generateNodeSecrets } from '../../tls/node-secrets.js';
import { TicketKeyRotation } from '../../tls/ticket-key-rotation.js';
import type { CommandIo } from '../io.js';

/** Environment variables carrying the node's secrets and its current ticket keys to a new worker. */
export const NODE_SECRETS_ENV = 'H3EDGE_NODE_SECRETS';
export const TICKET_KEYS_ENV = 'H3EDGE_TICKET_KEYS';
/** IPC message type of a ticket-key rotation, primary to workers: `{ type, keys: encodeTicketKeySet(…) }`. */
export const TICKET_KEYS_MESSAGE = 'h3edge:ticket-keys';
/** Set to 1 in the one worker that runs the scheduled fill. */
export const FILL_WORKER_ENV = 'H3EDGE_FILL_WORKER';
/** Environment variable carrying the node's config (JSON) to workers. */
export const NODE_CONFIG_ENV = 'H3EDGE_NODE_CONFIG';
/** Set to the descriptor of the node's shared 0-RTT anti-replay table in each worker. */
export const REPLAY_STORE_ENV = 'H3EDGE_REPLAY_STORE_FD';
/** Where a worker finds that descriptor: the first one after stdin, stdout, stderr and the IPC channel. */
const REPLAY_STORE_CHILD_FD = 4;

/** What a worker tells the primary. */
interface WorkerMessage {
  listening?: number;
  /** The config a worker runs with after a successful SIGHUP reload. */
  reloaded?: ServeConfig;
  startupError?: string;
  code?: number;
}

/**
 * The primary process of `serve --workers N`: forks the workers (which share the TCP listener
 * through node:cluster and bind UDP with SO_REUSEPORT), hands them the node's config, owns the
 * node's ticket keys (rotated on a timer and on SIGHUP, sent to every worker), forwards SIGHUP
 * (each worker re-reads the config file itself), restarts crashed workers with exponential
 * back-off (never giving up: a repeatable crash must not become an outage), and on SIGINT/SIGTERM
 * waits for all of them to drain. A startup error in a worker (busy port, bad file) is printed
 * once and ends the node.
 */
class Supervisor {
  private readonly secrets = encodeNodeSecrets(generateNodeSecrets());
  private readonly rotation: TicketKeyRotation;
  /** The config workers run with (JSON): the start config, then what the last reload applied. */
  private nodeConfig: string;
  private readonly backoff: RestartBackoff;
  private readonly log: Logger;
  /** The primary's own metrics, added to every node-wide scrape. */
  private readonly registry = new Registry();
  private readonly restarts = new Counter({ name: 'h3edge_worker_restarts_total', help: 'Workers restarted after they exited unexpectedly', registers: [this.registry] });
  private readonly startedAt = new Map<Worker, number>();
  private readonly pendingForks = new Set<NodeJS.Timeout>();
  private stopping = false;
  private replayStoreEnv: Record<string, string> = {};
  private announced = false;
  /** Workers of the first generation that reported listening: the node is announced once all have. */
  private readonly listeningWorkers = new Set<Worker>();
  private exitCode = 0;
  private fillWorker: Worker | null = null;
  private resolve: (code: number) => void = () => {};

  constructor(private readonly config: ServeConfig, private readonly workers: number, private readonly io: CommandIo) {
    this.rotation = new TicketKeyRotation({ everyMs: config.ticketKeyRotationSeconds * 1000, onRotate: (keys) => this.sendTicketKeys(keys) });
    this.nodeConfig = JSON.stringify(config);
    this.log = createLogger(config.logLevel).child({ role: 'primary' });
    this.backoff = new RestartBackoff({ initialDelayMs: config.workerRestartDelayMs, maxDelayMs: config.workerRestartMaxDelayMs });
    const backoff = this.backoff;
    new Gauge({
      name: 'h3edge_worker_crash_loop',
      help: '1 while workers crash in a row (restarts backing off), else 0',
      registers: [this.registry],
      collect() {
        this.set(backoff.inCrashLoop() ? 1 : 0);
      },
    });
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolve = resolve));
    this.shareReplayStore();
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGHUP', () => {
      this.rotation.rotate();
      for (const w of this.live()) w.process.kill('SIGHUP');
    });
    serveClusterScrapes(() => this.registry.metrics());
    for (let i = 0; i < this.workers; i++) this.fork(i === 0);
    this.rotation.start();
    return done;
  }

  /**
   * 0-RTT anti-replay must hold for the node, not per worker: the workers share session tickets,
   * and SO_REUSEPORT sends a replayed flight from another source port to any of them. The primary
   * creates the table and each worker inherits it as descriptor 4.
   */
  private shareReplayStore(): void {
    if (this.config.h3Engine !== 'native') return;
    let fd: number;
    try {
      fd = createReplayStore();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'no shared 0-RTT anti-replay table: each worker keeps its own, so a replay can run once per worker');
      return;
    }
    cluster.setupPrimary({ stdio: [0, 1, 2, 'ipc', fd] });
    this.replayStoreEnv = { [REPLAY_STORE_ENV]: String(REPLAY_STORE_CHILD_FD) };
  }

  /** `runsFill`: this worker runs the node's scheduled fill (exactly one does; its replacement takes over). */
  private fork(runsFill: boolean): void {
    // A restarted worker starts with the keys in use now.
    const worker = cluster.fork({
      [NODE_SECRETS_ENV]: this.secrets,
      [NODE_CONFIG_ENV]: this.nodeConfig,
      [TICKET_KEYS_ENV]: encodeTicketKeySet(this.rotation.keys),
      [FILL_WORKER_ENV]: runsFill ? '1' : '0',
      ...this.replayStoreEnv,
    });
    if (runsFill) this.fillWorker = worker;
    this.startedAt.set(worker, Date.now());
    worker.on('message', (m: WorkerMessage) => {
      if (m.startupError !== undefined && !this.stopping) {
        this.io.stderr.write(`h3edge: ${m.startupError}\n`);
        this.exitCode = m.code ?? 1;
        this.stop('SIGTERM');
      }
      // The primary never reads the config file: a replacement worker gets what its siblings applied.
      if (m.reloaded !== undefined) this.nodeConfig = JSON.stringify(m.reloaded);
      // A rotation between fork and the worker's first listener would be lost: repeat the keys in use.
      if (m.listening !== undefined) this.sendTicketKeys(this.rotation.keys, [worker]);
      if (m.listening !== undefined) this.listeningWorkers.add(worker);
      if (m.listening !== undefined && !this.announced && this.listeningWorkers.size >= this.workers) {
        this.announced = true;
        this.listeningWorkers.clear();
        this.io.stderr.write(
          `h3edge: serving ${this.config.media} on https://localhost:${m.listening}/ with ${this.workers} workers (h2, http/1.1 over TCP; h3 over UDP)\n`,
        );
      }
    });
  }

  private onExit(worker: Worker, code: number, signal: string): void {
    if (this.stopping) {
      if (this.live().length === 0) this.resolve(this.exitCode);
      return;
    }
    const livedMs = Date.now() - (this.startedAt.get(worker) ?? Date.now());
    this.startedAt.delete(worker);
    const decision = this.backoff.onCrash(livedMs);
    this.restarts.inc();
    const fields = { worker: worker.process.pid, code, signal: signal ?? undefined, livedMs, delayMs: decision.delayMs, crashesInARow: decision.crashesInARow };
    if (decision.crashLoop) this.log.error(fields, 'workers crash in a loop; restarting with back-off');
    else this.log.warn(fields, 'worker exited; restarting');
    const runsFill = worker === this.fillWorker;
    const timer = setTimeout(() => {
      this.pendingForks.delete(timer);
      if (!this.stopping) this.fork(runsFill);
    }, decision.delayMs);
    this.pendingForks.add(timer);
  }

  /** Between this and a worker's receipt, a ticket from a quicker worker gets a full handshake there: never a failure. */
  private sendTicketKeys(keys: TicketKeySet, to: Worker[] = this.live()): void {
    const message = { type: TICKET_KEYS_MESSAGE, keys: encodeTicketKeySet(keys) };
    // A worker whose channel is closing is on its way out; its replacement reads the keys from its environment.
    for (const w of to) if (w.isConnected()) w.send(message, undefined, {}, () => {});
  }

  private stop(signal: NodeJS.Signals): void {
    if (this.stopping) return;
    this.stopping = true;
    this.rotation.stop();
    for (const timer of this.pendingForks) clearTimeout(timer);
    this.pendingForks.clear();
    const live = this.live();
    if (live.length === 0) this.resolve(this.exitCode);
    for (const w of live) w.process.kill(signal);
  }

  private live(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  }
}

/** Runs the primary of a multi-worker node until it is stopped; resolves with the exit code. */
export function runPrimary(config: ServeConfig, workers: number, io: CommandIo): Promise<number> {
  return new Supervisor(config, workers, io).run();
}
