import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../media/catalog.js';
import { ARTWORK_ASPECTS, ARTWORK_FORMATS, artworkFile, type ArtworkAspect } from './artwork-spec.js';
import { writeTitleArtwork, type ArtworkDesign } from './artwork-render.js';

/** One design per film, episode and series of a catalog. */
export function artworkDesigns(catalog: Catalog): ArtworkDesign[] {
  const seriesTitle = new Map(catalog.series.map((s) => [s.id, s.title]));
  return [
    ...catalog.titles.map((t) =>
      t.type === 'episode'
        ? { id: t.id, title: t.title, kicker: `${seriesTitle.get(t.seriesId) ?? ''} · S${t.seasonNumber} E${t.episodeNumber}` }
        : { id: t.id, title: t.title, kicker: `Film · ${t.year}` },
    ),
    ...catalog.series.map((s) => ({ id: s.id, title: s.title, kicker: 'Series' })),
  ];
}

/**
 * Generates the artwork of every design whose renditions are not all on disk yet (all of them
 * with `force`). Called by `scripts/make-artwork.ts` (demo setup) and by tests.
 */
export async function ensureArtwork(outRoot: string, designs: readonly ArtworkDesign[], opts: { force?: boolean } = {}): Promise<{ generated: string[]; skipped: string[] }> {
  const generated: string[] = [];
  const skipped: string[] = [];
  for (const d of designs) {
    if (!opts.force && (await complete(outRoot, d.id))) {
      skipped.push(d.id);
      continue;
    }
    await writeTitleArtwork(outRoot, d);
    generated.push(d.id);
  }
  return { generated, skipped };
}

async function complete(outRoot: string, id: string): Promise<boolean> {
  const files = (Object.keys(ARTWORK_ASPECTS) as ArtworkAspect[]).flatMap((a) =>
    ARTWORK_ASPECTS[a].widths.flatMap((w) => ARTWORK_FORMATS.map((f) => artworkFile(id, a, w, f.ext))),
  );
  const present = await Promise.all(files.map((f) => access(join(outRoot, f)).then(() => true, () => false)));
  return present.every(Boolean);
}
