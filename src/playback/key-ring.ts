import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ephemeralKeySet, loadKeySet, type KeySet } from './keyset.js';

/** The node's current token key set, replaceable on SIGHUP; shared by the API, the token path and the edge. */
export interface KeyRing {
  keys(): KeySet;
  /**
   * SIGHUP: reads `file` (the configured path, which may have changed; null = the node's random
   * key) and switches to it; throws, keeping the old keys, if it is invalid.
   */
  reload(file: string | null): void;
}

/** From the key file, or a random key (shared by the node's workers when given) without one. */
export function openKeyRing(file: string | null, logger: Logger, ephemeralKey?: Buffer): KeyRing {
  const ephemeral = ephemeralKeySet(ephemeralKey ? () => ephemeralKey : randomBytes);
  const load = (path: string | null): KeySet => (path === null ? ephemeral : loadKeySet(path));
  let current = load(file);
  if (file === null) logger.warn('no tokenKeys file: segment tokens use a random key of this node and only it accepts them');
  return {
    keys: () => current,
    reload: (path) => {
      current = load(path);
    },
  };
}
