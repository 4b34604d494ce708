import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `bytes` to `target` so that readers see either no file or the whole file: a temp file
 * in `<root>/.partial/`, fsync, then rename into place (same filesystem, atomic).
 */
export async function writeAtomically(root: string, target: string, bytes: Buffer): Promise<void> {
  const partial = join(root, '.partial');
  await mkdir(partial, { recursive: true });
  const tmp = join(partial, `${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await mkdir(dirname(target), { recursive: true });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
