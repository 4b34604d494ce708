import { readdir, stat } from 'node:fs/promises';
import { readCatalogFile } from '../media/catalog-file.js';
import { join } from 'node:path';

/**
 * Title directories of `mediaRoot` in popularity order: `catalog.json`'s order (it lists the most
 * popular first, as the fill pre-positions them), then directories it does not list, by name.
 * Catalog ids without a directory are left out. Never throws: no catalog is no order.
 */
export async function titlesByPopularity(mediaRoot: string): Promise<string[]> {
  const dirs = (await readdir(mediaRoot, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'artwork')
    .map((d) => d.name);
  const present = new Set(dirs);
  let listed: string[] = [];
  try {
    const file = join(mediaRoot, 'catalog.json');
    const catalog = await readCatalogFile(file, (await stat(file)).size);
    listed = catalog.titles.map((t) => String(t.id)).filter((id) => present.has(id));
  } catch {
    // missing or unreadable: directory order only
  }
  return [...new Set([...listed, ...dirs.sort()])];
}
