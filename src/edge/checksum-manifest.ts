import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One file an edge may pre-position, with what it must hash to. */
export interface ManifestFile {
  /** Path below the media root, `/`-separated (`<titleId>/video/720p/seg-3.m4s`). */
  path: string;
  size: number;
  sha256: string;
}

/** Titles in popularity order (catalog order), each with its files. */
export interface FillManifest {
  titles: Array<{ id: string; bytes: number; files: ManifestFile[] }>;
}

/**
 * Builds the origin's checksum manifest. Hashes are cached by (path, size, mtime), so only files
 * that changed are read again. Titles follow `catalog.json` order when there is one (the catalog
 * lists the most popular first), then any other title directories by name.
 */
export class ChecksumManifest {
  private readonly hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

  constructor(private readonly mediaRoot: string) {}

  async build(): Promise<FillManifest> {
    const dirs = (await readdir(this.mediaRoot, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
    const ordered = [...new Set([...(await this.catalogOrder()).filter((id) => dirs.includes(id)), ...dirs.sort()])];
    const titles = [];
    for (const id of ordered) {
      const files: ManifestFile[] = [];
      for (const abs of await listFiles(join(this.mediaRoot, id))) files.push(await this.describe(abs));
      titles.push({ id, bytes: files.reduce((n, f) => n + f.size, 0), files });
    }
    return { titles };
  }

  private async describe(abs: string): Promise<ManifestFile> {
    const st = await stat(abs);
    const path = relative(this.mediaRoot, abs).split(sep).join('/');
    const known = this.hashes.get(path);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return { path, size: st.size, sha256: known.sha256 };
    const sha256 = await hashFile(abs);
    this.hashes.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
    return { path, size: st.size, sha256 };
  }

  private async catalogOrder(): Promise<string[]> {
    try {
      const catalog = JSON.parse(await readFile(join(this.mediaRoot, 'catalog.json'), 'utf8')) as { titles?: Array<{ id?: unknown }> };
      return (catalog.titles ?? []).map((t) => String(t.id));
    } catch {
      return [];
    }
  }
}

export async function hashFile(abs: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(abs)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
