// Generates the artwork of every title and series in <media>/catalog.json: one deterministic
// source image per title (gradient, rings, title text; see src/home/artwork-render.ts), cropped
// to 16:9 and 2:3 at several widths, each as AVIF, WebP and JPEG. Idempotent: titles whose
// renditions all exist are skipped. Usage:
// npx tsx scripts/make-artwork.ts [--media ./media] [--out <media>/artwork] [--force]
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { validateCatalog, type Catalog } from '../src/media/catalog.js';
import { artworkDesigns, ensureArtwork } from '../src/home/artwork-catalog.js';

const { values } = parseArgs({ options: { media: { type: 'string', default: './media' }, out: { type: 'string' }, force: { type: 'boolean', default: false } } });
const media = resolve(values.media);
const out = resolve(values.out ?? join(media, 'artwork'));
const catalog = validateCatalog(JSON.parse(await readFile(join(media, 'catalog.json'), 'utf8')) as Catalog);
const started = performance.now();
const { generated, skipped } = await ensureArtwork(out, artworkDesigns(catalog), { force: values.force });
process.stderr.write(`artwork: ${generated.length} generated, ${skipped.length} up to date, in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
