import { serveClusterScrapes } from '../../observe/cluster-metrics.js';
import cluster, { type Worker } from 'node:cluster';
import type { ServeConfig } from '../../config/config.js';
import { encodeTicketKeys, generateTicketKeys } from '../../tls/ticket-keys.js';
import type { CommandIo } from '../io.js';

/** Environment variable carrying the shared ticket keys to workers. */
export const TICKET_KEYS_ENV = 'H3EDGE_TICKET_KEYS';
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
 * through node:cluster and bind UDP with SO_REUSEPORT), hands them one set of ticket keys and
 * the node's config, forwards SIGHUP (each worker re-reads the config file itself), restarts
 * crashed workers, and on SIGINT/SIGTERM waits for all of them to drain. A startup error in a
 * worker (busy port, bad file) is printed once and ends the node.
 */
class Supervisor {
  private readonly env: Record<string, string>;
  private readonly restarts: number[] = [];
  private stopping = false;
  private announced = false;
  private exitCode = 0;
  private fillWorker: Worker | null = null;
  private resolve: (code: number) => void = () => {};

  constructor(private readonly config: ServeConfig, private readonly workers: number, private readonly io: CommandIo) {
    this.env = { [TICKET_KEYS_ENV]: encodeTicketKeys(generateTicketKeys()), [NODE_CONFIG_ENV]: JSON.stringify(config) };
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.resolve = resolve));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGHUP', () => this.live().forEach((w) => w.process.kill('SIGHUP')));
    serveClusterScrapes();
    for (let i = 0; i < this.workers; i++) this.fork(i === 0);
    return done;
  }

  /** `runsFill`: this worker runs the node's scheduled fill (exactly one does; its replacement takes over). */
  private fork(runsFill: boolean): void {
    const worker = cluster.fork({ ...this.env, [FILL_WORKER_ENV]: runsFill ? '1' : '0' });
    if (runsFill) this.fillWorker = worker;
    worker.on('message', (m: WorkerMessage) => {
      if (m.startupError !== undefined && !this.stopping) {
        this.io.stderr.write(`h3edge: ${m.startupError}\n`);
        this.exitCode = m.code ?? 1;
        this.stop('SIGTERM');
      }
      // The primary never reads the config file: a replacement worker gets what its siblings applied.
      if (m.reloaded !== undefined) this.env[NODE_CONFIG_ENV] = JSON.stringify(m.reloaded);
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

  private stop(signal: NodeJS.Signals): void {
    if (this.stopping) return;
    this.stopping = true;
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
