import { loadAddon } from './load-addon.js';

/** RLIMIT_NOFILE; `Infinity` for no limit. */
export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** The rlimit addon's surface (src/native/rlimit/rlimit.cc). */
export interface RlimitAddon {
  /** Raises the soft open-file limit to the hard one and returns both; throws an Error with `code`. */
  raiseOpenFileLimit(): OpenFileLimit;
}

/** The addon, or why it could not be loaded (the process then keeps the limit it inherited). */
export function loadRlimit(): { addon: RlimitAddon } | { error: Error } {
  return loadAddon<RlimitAddon>('rlimit', 'h3edge_rlimit');
}
