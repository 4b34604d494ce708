import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Loads `src/native/<name>/build/Release/<target>.node`, found from the project root so it
 * works from `src/` (tsx) and from compiled `dist/`. Returns the load error instead of throwing,
 * so callers can fall back and say so once. H3EDGE_NATIVE_BUILD names another build folder
 * (the AddressSanitizer build of `make test-asan` lives in `build-asan`).
 */
export function loadAddon<T>(name: string, target: string): { addon: T } | { error: Error } {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  const file = join(dir, 'src', 'native', name, process.env.H3EDGE_NATIVE_BUILD ?? 'build', 'Release', `${target}.node`);
  try {
    return { addon: createRequire(import.meta.url)(file) as T };
  } catch (err) {
    return { error: err as Error };
  }
}
