import { accessSync, constants, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** Memory-backed, where the machine has it (Linux's /dev/shm). */
const MEMORY_DIR = '/dev/shm';

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where benchmark clients write what they fetch on this machine (recorded in the results' settings). */
export const CLIENT_DOWNLOADS_IN: 'memory' | 'disk' = writable(MEMORY_DIR) ? 'memory' : 'disk';

/**
 * A fresh directory for what a benchmark client writes (gtlsclient's `--download`, kept to check
 * every file arrived whole), in memory where the machine allows; the caller removes it. On a disk
 * the client's writes made it the bottleneck, and one that favoured some servers: 600 × 1.75 MB
 * segments over one connection went at 261–285 req/s from the native engine and 331–376 from
 * quiche into /tmp on disk, 411–421 and 336–362 into /dev/shm.
 */
export function clientDownloadDir(prefix: string): string {
  return mkdtempSync(join(CLIENT_DOWNLOADS_IN === 'memory' ? MEMORY_DIR : tmpdir(), prefix));
}
