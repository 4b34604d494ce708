import { LOG_LEVELS } from '../observe/logger.js';
import { ConfigError } from './errors.js';
import type { ServeConfig } from './config.js';

type Check = (value: unknown) => string | null;

const string: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : 'a non-empty string');
const port: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? null : 'an integer port 0-65535');
const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer');
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `one of ${values.join(', ')}`;

const SCHEMA: Readonly<Record<keyof ServeConfig, Check>> = {
  host: string,
  port,
  media: string,
  cert: string,
  key: string,
  logLevel: oneOf(LOG_LEVELS),
  h3Engine: oneOf(['native', 'currentspace']),
  shutdownGraceMs: positiveInt,
};

/**
 * Checks a partial config (from a file or flags) against the schema. Throws ConfigError naming
 * the first unknown key or mistyped value and where it came from.
 */
export function validatePartial(input: unknown, source: string): Partial<ServeConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError(`${source}: expected a JSON object`);
  }
  for (const [key, value] of Object.entries(input)) {
    const check = SCHEMA[key as keyof ServeConfig];
    if (!check) throw new ConfigError(`${source}: unknown key "${key}"`);
    const expected = check(value);
    if (expected) throw new ConfigError(`${source}: "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return input as Partial<ServeConfig>;
}
