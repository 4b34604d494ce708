import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The ngtcp2 and nghttp3 versions the native HTTP/3 engine of checkout `root` was built with
 * (deps/quic, scripts/build-quic-libs.sh), for benchmark results; 'none' where not built.
 */
export function quicLibVersions(root: string): { ngtcp2: string; nghttp3: string } {
  const read = (lib: string, macro: string): string => {
    try {
      const header = readFileSync(join(root, 'deps/quic/include', lib, 'version.h'), 'utf8');
      return new RegExp(`#define ${macro} "([^"]+)"`).exec(header)?.[1] ?? 'unknown';
    } catch {
      return 'none';
    }
  };
  return { ngtcp2: `${read('ngtcp2', 'NGTCP2_VERSION')} (patched, static)`, nghttp3: read('nghttp3', 'NGHTTP3_VERSION') };
}
