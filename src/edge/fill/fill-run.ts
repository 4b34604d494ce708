import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FillManifest } from '../checksum-manifest.js';
import { connectUpstream, streamingGet } from './streaming-get.js';
import { fillFile } from './fill-file.js';
import { RateLimiter } from './rate-limiter.js';

export interface FillRunOptions {
  upstream: string;
  extraCa: Buffer[];
  root: string;
  upstreamPath: (rel: string) => string;
  /** Titles to fill in this order; all of the manifest's (popularity order) when absent. */
  plan?: string[];
  rateBitsPerSec: number | null;
  diskBudgetBytes: number | null;
  /** Checked between files: true once the fill window has closed. */
  windowClosed: () => boolean;
  onProgress: (p: { title: string; file: string; doneBytes: number; totalBytes: number }) => void;
  logger: Logger;
  clock: () => number;
}

export interface FillSummary {
  upstream: string;
  titles: Array<{ id: string; status: 'complete' | 'incomplete' | 'over-budget' | 'not-started'; files: number; bytes: number }>;
  downloadedBytes: number;
  filesDownloaded: number;
  filesPresent: number;
  filesResumed: number;
  filesFailed: number;
  evicted: string[];
  stoppedByWindow: boolean;
}

/**
 * One fill run: reads the upstream's checksum manifest, keeps the most popular titles that fit
 * the disk budget, evicts titles outside that set, and brings every file of the kept titles
 * into place (resumable, verified, atomic). Safe to kill at any moment and run again.
 */
export async function runFill(o: FillRunOptions): Promise<FillSummary> {
  const session = connectUpstream(o.upstream, o.extraCa);
  try {
    const manifest = await fetchManifest(session);
    const byId = new Map(manifest.titles.map((t) => [t.id, t]));
    const wanted = (o.plan ?? manifest.titles.map((t) => t.id)).flatMap((id) => (byId.has(id) ? [byId.get(id) as FillManifest['titles'][number]] : []));
    let budgetLeft = o.diskBudgetBytes ?? Infinity;
    const kept = wanted.filter((t) => (t.bytes <= budgetLeft ? ((budgetLeft -= t.bytes), true) : false));
    const summary: FillSummary = {
      upstream: o.upstream,
      titles: wanted.map((t) => ({ id: t.id, status: kept.includes(t) ? 'not-started' : 'over-budget', files: t.files.length, bytes: t.bytes })),
      downloadedBytes: 0,
      filesDownloaded: 0,
      filesPresent: 0,
      filesResumed: 0,
      filesFailed: 0,
      evicted: o.diskBudgetBytes === null ? [] : await evictOthers(o.root, new Set(kept.map((t) => t.id)), o.logger),
      stoppedByWindow: false,
    };
    const limiter = new RateLimiter(o.rateBitsPerSec, o.clock);
    const totalBytes = kept.reduce((n, t) => n + t.bytes, 0);
    let doneBytes = 0;
    for (const title of kept) {
      const row = summary.titles.find((r) => r.id === title.id) as FillSummary['titles'][number];
      row.status = 'incomplete';
      let failed = false;
      for (const file of title.files) {
        if (o.windowClosed()) {
          summary.stoppedByWindow = true;
          return summary;
        }
        const r = await fillFile(session, file, { root: o.root, upstreamPath: o.upstreamPath, limiter, onBytes: () => {} });
        doneBytes += file.size;
        summary.downloadedBytes += r.bytes;
        if (r.outcome === 'present') summary.filesPresent++;
        if (r.outcome === 'downloaded') summary.filesDownloaded++;
        if (r.resumedFrom !== undefined) summary.filesResumed++;
        if (r.outcome === 'corrupt' || r.outcome === 'failed') {
          summary.filesFailed++;
          failed = true;
          o.logger.error({ upstream: o.upstream, path: file.path, detail: r.detail }, 'fill: file rejected');
        }
        o.onProgress({ title: title.id, file: file.path, doneBytes, totalBytes });
      }
      row.status = failed ? 'incomplete' : 'complete';
    }
    return summary;
  } finally {
    session.close();
  }
}

async function fetchManifest(session: ReturnType<typeof connectUpstream>): Promise<FillManifest> {
  const r = await streamingGet(session, '/v1/fill/manifest');
  const chunks: Buffer[] = [];
  for await (const c of r.body) chunks.push(c);
  if (r.status !== 200) throw new Error(`fill manifest: upstream answered ${r.status}`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as FillManifest;
}

/** Removes title directories outside the kept set (renamed away first, so clients see all or nothing). */
async function evictOthers(root: string, keep: Set<string>, logger: Logger): Promise<string[]> {
  const evicted: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!e.isDirectory() || e.name.startsWith('.') || keep.has(e.name)) continue;
    const trash = join(root, `.evicting-${e.name}-${Date.now()}`);
    await rename(join(root, e.name), trash);
    await rm(trash, { recursive: true, force: true });
    evicted.push(e.name);
    logger.info({ title: e.name }, 'fill: evicted to stay within the disk budget');
  }
  return evicted;
}
