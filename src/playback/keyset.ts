import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';

/**
 * HMAC keys for segment tokens, by key id. New tokens are signed with `currentKid`; every key
 * in the set still verifies, so a rotation (add a key, make it current, drop the oldest a
 * token lifetime later) never invalidates tokens in use. All edges share the same file.
 */
export interface KeySet {
  currentKid: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** Reads `{"current": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"}}`; secrets ≥ 32 bytes. */
export function loadKeySet(path: string): KeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`token key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return keySetFromJson(parsed, `token key file ${path}`);
}

export function keySetFromJson(value: unknown, source: string): KeySet {
  const v = value as { current?: unknown; keys?: Record<string, unknown> };
  if (typeof v?.current !== 'string' || typeof v.keys !== 'object' || v.keys === null) {
    throw new ConfigError(`${source}: expected {"current": kid, "keys": {kid: base64}}`);
  }
  const keys = new Map<string, Buffer>();
  for (const [kid, secret] of Object.entries(v.keys)) {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'base64') : Buffer.alloc(0);
    if (bytes.length < 32) throw new ConfigError(`${source}: key "${kid}" must be at least 32 bytes of base64`);
    keys.set(kid, bytes);
  }
  if (!keys.has(v.current)) throw new ConfigError(`${source}: current key "${v.current}" is not in keys`);
  return { currentKid: v.current, keys };
}

/** A one-key set with a random secret, for a single node with no key file (tokens die with it). */
export function ephemeralKeySet(random: (n: number) => Buffer): KeySet {
  return { currentKid: 'ephemeral', keys: new Map([['ephemeral', random(32)]]) };
}
