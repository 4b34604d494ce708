import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ephemeralKeySet, loadKeySet, type KeySet } from './keyset.js';

/** The node's current token key set, replaceable on SIGHUP; shared by the API, the token path and the edge. */
export interface KeyRing {
  keys(): KeySet;
  /** Re-reads the key file; throws (keeping the old keys) if it is invalid. */
  reload(): void;
}

/** From the key file, or a random key (shared by the node's workers when given) without one. */
export function openKeyRing(file: string | null, logger: Logger, ephemeralKey?: Buffer): KeyRing {
  const ephemeral = ephemeralKeySet(ephemeralKey ? () => ephemeralKey : randomBytes);
  const load = (): KeySet => (file === null ? ephemeral : loadKeySet(file));
  let current = load();
  if (file === null) logger.warn('no tokenKeys file: segment tokens use a random key of this node and only it accepts them');
  return {
    keys: () => current,
    reload: () => {
      current = load();
    },
  };
}
