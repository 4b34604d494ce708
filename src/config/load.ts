import { readFileSync } from 'node:fs';
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from './config.js';
import { ConfigError } from './errors.js';
import { validatePartial } from './validate.js';

/** Reads and validates a JSON config file; every problem is a ConfigError naming the file. */
export function loadConfigFile(path: string): Partial<ServeConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path}: invalid JSON (${(err as Error).message})`);
  }
  return validatePartial(parsed, `config file ${path}`);
}

/** Defaults, then the config file, then command-line flags: later sources win. */
export function resolveServeConfig(fromFile: Partial<ServeConfig>, fromFlags: Partial<ServeConfig>): ServeConfig {
  return { ...DEFAULT_SERVE_CONFIG, ...fromFile, ...validatePartial(fromFlags, 'command line') };
}
