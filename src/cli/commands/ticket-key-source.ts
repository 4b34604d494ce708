import type { Logger } from 'pino';
import type { ServeConfig } from '../../config/config.js';
import type { NodeKeys, RunningServer } from '../../server.js';
import { decodeNodeSecrets, generateNodeSecrets } from '../../tls/node-secrets.js';
import { TicketKeyRotation } from '../../tls/ticket-key-rotation.js';
import { decodeTicketKeySet, firstTicketKeys, type TicketKeySet } from '../../tls/ticket-keys.js';
import { NODE_SECRETS_ENV, REPLAY_STORE_ENV, TICKET_KEYS_ENV, TICKET_KEYS_MESSAGE } from './serve-cluster.js';

/**
 * Where a serving process's keys come from. A worker starts with the primary's (environment)
 * and takes each rotation from the primary's messages; a single-process node rotates its own,
 * on its timer and on SIGHUP. Either way every new key set reaches the server once it listens.
 */
export class TicketKeySource {
  private server: RunningServer | null = null;
  private applied: number;
  private pending: TicketKeySet | null = null;
  private readonly onMessage = (m: unknown): void => {
    if ((m as { type?: unknown } | null)?.type !== TICKET_KEYS_MESSAGE) return;
    const keys = decodeTicketKeySet((m as { keys?: unknown }).keys);
    if (keys) this.offer(keys);
    else this.logger.error('unreadable ticket keys from the primary; keeping the current ones');
  };

  private constructor(readonly keys: NodeKeys, private readonly logger: Logger, private readonly rotation: TicketKeyRotation | null) {
    this.applied = keys.ticketKeys.generation;
  }

  /** In a worker: listens for rotations at once, so one that comes while the server starts is not lost. */
  static fromPrimary(env: NodeJS.ProcessEnv, logger: Logger): TicketKeySource {
    const secrets = decodeNodeSecrets(env[NODE_SECRETS_ENV]);
    const ticketKeys = decodeTicketKeySet(env[TICKET_KEYS_ENV]);
    if (!secrets || !ticketKeys) logger.warn('no keys from the primary: this worker uses its own, sessions resume only on it');
    const replayStoreFd = env[REPLAY_STORE_ENV] === undefined ? undefined : Number(env[REPLAY_STORE_ENV]);
    const source = new TicketKeySource(
      { secrets: secrets ?? generateNodeSecrets(), ticketKeys: ticketKeys ?? firstTicketKeys(), ...(replayStoreFd !== undefined ? { replayStoreFd } : {}) },
      logger,
      null,
    );
    process.on('message', source.onMessage);
    return source;
  }

  /** In a single-process node. */
  static own(config: ServeConfig, logger: Logger): TicketKeySource {
    let source: TicketKeySource | null = null;
    const rotation = new TicketKeyRotation({ everyMs: config.ticketKeyRotationSeconds * 1000, onRotate: (keys) => source?.offer(keys) });
    source = new TicketKeySource({ secrets: generateNodeSecrets(), ticketKeys: rotation.keys }, logger, rotation);
    return source;
  }

  /** The server is listening: it gets what came meanwhile, and the rotation timer starts. */
  attach(server: RunningServer): void {
    this.server = server;
    if (this.pending) this.offer(this.pending);
    this.rotation?.start();
  }

  /** SIGHUP: a single-process node rotates; a worker waits for the primary, which rotates on its own SIGHUP. */
  onSighup(): void {
    this.rotation?.rotate();
  }

  stop(): void {
    this.rotation?.stop();
    process.off('message', this.onMessage);
  }

  private offer(keys: TicketKeySet): void {
    if (keys.generation <= this.applied) return;
    if (!this.server) {
      this.pending = keys;
      return;
    }
    try {
      this.server.setTicketKeys(keys);
      this.applied = keys.generation;
      this.pending = null;
    } catch (err) {
      this.logger.error({ err: (err as Error).message, generation: keys.generation }, 'ticket key rotation failed; keeping the current keys');
    }
  }
}
