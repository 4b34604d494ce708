import type { Tile } from '../../src/home/api-shapes.js';

/** Tiles are this wide in CSS pixels on wide screens (see app.css); srcset picks the file. */
const SIZES = '(max-width: 640px) 40vw, 300px';

/**
 * A tile: a link to the player around a `<picture>` whose sources are set only once the tile
 * is on screen (`revealImage`), so the first render fetches artwork for visible tiles only.
 * Narrow screens get the 2:3 poster, others the 16:9 image; the server picks AVIF/WebP/JPEG.
 */
export function tileElement(tile: Tile, profile: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.className = 'tile';
  a.href = `/watch/${encodeURIComponent(tile.playId)}?profile=${encodeURIComponent(profile)}`;
  a.dataset.titleId = tile.id;
  const picture = document.createElement('picture');
  const source = document.createElement('source');
  source.media = '(max-width: 640px)';
  source.dataset.srcset = tile.poster.srcset;
  source.sizes = SIZES;
  const img = document.createElement('img');
  img.alt = '';
  img.width = 320;
  img.height = 180;
  img.loading = 'lazy';
  img.decoding = 'async';
  img.sizes = SIZES;
  img.dataset.srcset = tile.image.srcset;
  img.dataset.src = tile.image.src;
  picture.append(source, img);
  const caption = document.createElement('div');
  caption.className = 'caption';
  caption.innerHTML = '<strong></strong><span></span>';
  (caption.firstChild as HTMLElement).textContent = tile.title;
  (caption.lastChild as HTMLElement).textContent = `${tile.subtitle} · ${tile.maturityRating}`;
  a.append(picture, caption);
  if (tile.progress !== undefined) {
    const bar = document.createElement('div');
    bar.className = 'progress';
    bar.style.setProperty('--p', String(tile.progress));
    a.append(bar);
  }
  return a;
}

/** Moves the tile's deferred image sources into place (once). */
export function revealImage(tile: Element): void {
  for (const el of tile.querySelectorAll<HTMLImageElement | HTMLSourceElement>('[data-srcset]')) {
    el.srcset = el.dataset.srcset ?? '';
    delete el.dataset.srcset;
    if (el instanceof HTMLImageElement && el.dataset.src) {
      el.src = el.dataset.src;
      delete el.dataset.src;
    }
  }
}
