import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type http2 from 'node:http2';
import { hashFile, type ManifestFile } from '../checksum-manifest.js';
import { streamingGet } from './streaming-get.js';
import type { RateLimiter } from './rate-limiter.js';

export type FileOutcome = 'present' | 'downloaded' | 'corrupt' | 'failed';

/**
 * Brings one file into place: skipped if already present with the right hash; otherwise
 * downloaded into `<root>/.partial/<sha256>.part`, continued with a Range request if a previous
 * run was cut off, verified against the manifest's sha256, fsynced and renamed into place. A
 * client never sees a partial or unverified file under the served paths.
 */
export async function fillFile(
  session: http2.ClientHttp2Session,
  file: ManifestFile,
  opts: { root: string; upstreamPath: (rel: string) => string; limiter: RateLimiter; onBytes: (n: number) => void },
): Promise<{ outcome: FileOutcome; bytes: number; resumedFrom?: number; detail?: string }> {
  const target = join(opts.root, ...file.path.split('/'));
  const existing = await stat(target).catch(() => undefined);
  if (existing?.size === file.size && (await hashFile(target)) === file.sha256) return { outcome: 'present', bytes: 0 };
  await mkdir(join(opts.root, '.partial'), { recursive: true });
  const part = join(opts.root, '.partial', `${file.sha256}.part`);
  let have = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (have > file.size) {
    await rm(part);
    have = 0;
  }
  let received = 0;
  if (have < file.size) {
    const r = await streamingGet(session, opts.upstreamPath(file.path), have > 0 ? { range: `bytes=${have}-` } : {});
    if (r.status !== 200 && r.status !== 206) {
      r.close();
      return { outcome: 'failed', bytes: 0, detail: `status ${r.status}` };
    }
    // An upstream that ignores Range sends the whole file: start the part over.
    const append = r.status === 206 && have > 0;
    const handle = await open(part, append ? 'a' : 'w');
    try {
      for await (const chunk of r.body) {
        await handle.write(chunk);
        received += chunk.length;
        opts.onBytes(chunk.length);
        const wait = opts.limiter.delayAfter(chunk.length);
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!append) have = 0;
  }
  if ((await hashFile(part)) !== file.sha256) {
    await rm(part, { force: true });
    return { outcome: 'corrupt', bytes: received, detail: 'sha256 mismatch' };
  }
  await mkdir(dirname(target), { recursive: true });
  await rename(part, target);
  return { outcome: 'downloaded', bytes: received, resumedFrom: have > 0 ? have : undefined };
}
