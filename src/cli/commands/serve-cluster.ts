import { serveClusterScrapes } from '../../observe/cluster-metrics.js';
import cluster, { type Worker } from 'node:cluster';
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

/** Restarts of crashed workers allowed per minute before the node gives up. */
const MAX_RESTARTS_PER_MINUTE = 10;

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
 * (each worker re-reads the config file itself), restarts crashed workers, and on SIGINT/SIGTERM
 * waits for all of them to drain. A startup error in a worker (busy port, bad file) is printed
 * once and ends the node.
 */
class Supervisor {
  private readonly secrets = encodeNodeSecrets(generateNodeSecrets());
  private readonly rotation: TicketKeyRotation;
  /** The config workers run with (JSON): the start config, then what the last reload applied. */
  private nodeConfig: string;
  private readonly restarts: number[] = [];
  private stopping = false;
  private announced = false;
  private exitCode = 0;
  private fillWorker: Worker | null = null;
  private resolve: (code: number) => void = () => {};

  constructor(private readonly config: ServeConfig, private readonly workers: number, private readonly io: CommandIo) {
    this.rotation = new TicketKeyRotation({ everyMs: config.ticketKeyRotationSeconds * 1000, onRotate: (keys) => this.sendTicketKeys(keys) });
    this.nodeConfig = JSON.stringify(config);
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolve = resolve));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGHUP', () => {
      this.rotation.rotate();
      for (const w of this.live()) w.process.kill('SIGHUP');
    });
    serveClusterScrapes();
    for (let i = 0; i < this.workers; i++) this.fork(i === 0);
    this.rotation.start();
    return done;
  }

  /** `runsFill`: this worker runs the node's scheduled fill (exactly one does; its replacement takes over). */
  private fork(runsFill: boolean): void {
    // A restarted worker starts with the keys in use now.
    const worker = cluster.fork({
      [NODE_SECRETS_ENV]: this.secrets,
      [NODE_CONFIG_ENV]: this.nodeConfig,
      [TICKET_KEYS_ENV]: encodeTicketKeySet(this.rotation.keys),
      [FILL_WORKER_ENV]: runsFill ? '1' : '0',
    });
    if (runsFill) this.fillWorker = worker;
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
      if (m.listening !== undefined && !this.announced) {
        this.announced = true;
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
    const now = Date.now();
    this.restarts.push(now);
    while ((this.restarts[0] ?? now) < now - 60_000) this.restarts.shift();
    const giveUp = this.restarts.length > MAX_RESTARTS_PER_MINUTE;
    this.io.stderr.write(`h3edge: worker ${worker.process.pid} exited (${signal ?? code}); ${giveUp ? 'too many restarts, stopping' : 'restarting'}\n`);
    if (giveUp) {
      this.exitCode = 1;
      this.stop('SIGTERM');
    } else {
      this.fork(worker === this.fillWorker);
    }
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
