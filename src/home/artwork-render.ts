import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { ARTWORK_ASPECTS, ARTWORK_FORMATS, artworkFile, artworkHeight, type ArtworkAspect, type ArtworkFormat } from './artwork-spec.js';

/** Side of the square source image; both aspects are crops of it, so the text sits in the middle. */
const SOURCE_PX = 2160;

/** What is drawn on a title's source image. */
export interface ArtworkDesign {
  /** Seeds the colours, so the same title always gets the same picture. */
  id: string;
  title: string;
  /** Small line above the title (`FILM · 2026`, `SERIES`). */
  kicker: string;
}

/**
 * The source image of a title as SVG: a two-colour gradient and rings picked from a hash of the
 * id, the title wrapped into the centre square both crops keep. Deterministic.
 */
export function artworkSourceSvg(design: ArtworkDesign): string {
  const h = createHash('sha256').update(design.id).digest();
  const hue = (i: number): number => Math.round(((h[i] ?? 0) / 255) * 360);
  const [a, b] = [hue(0), (hue(0) + 60 + ((h[1] ?? 0) % 120)) % 360];
  const rings = [2, 3, 4, 5].map((i) => {
    const cx = 300 + ((h[i] ?? 0) / 255) * 1560;
    const cy = 300 + ((h[i + 4] ?? 0) / 255) * 1560;
    const r = 200 + ((h[i + 8] ?? 0) / 255) * 500;
    return `<circle cx="${cx.toFixed(0)}" cy="${cy.toFixed(0)}" r="${r.toFixed(0)}" fill="none" stroke="white" stroke-opacity="0.12" stroke-width="40"/>`;
  });
  const lines = wrap(design.title, 14).slice(0, 3);
  const fontPx = lines.some((l) => l.length > 10) ? 130 : 160;
  const top = SOURCE_PX / 2 - ((lines.length - 1) * fontPx * 1.15) / 2;
  const text = lines
    .map((l, i) => `<text x="1080" y="${(top + i * fontPx * 1.15 + fontPx / 3).toFixed(0)}" font-size="${fontPx}" font-weight="bold">${escapeXml(l)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SOURCE_PX}" height="${SOURCE_PX}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${a},65%,42%)"/><stop offset="1" stop-color="hsl(${b},70%,14%)"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/>${rings.join('')}
<g font-family="DejaVu Sans, Liberation Sans, sans-serif" fill="white" text-anchor="middle">
<text x="1080" y="${(top - fontPx * 1.1).toFixed(0)}" font-size="56" letter-spacing="12" fill-opacity="0.8">${escapeXml(design.kicker.toUpperCase())}</text>${text}</g></svg>`;
}

/**
 * Renders a title's source image and every rendition (each aspect × width × format) into
 * `<outRoot>/<id>/…`. Files are written under a temporary name and renamed, so a reader never
 * sees a partial image. Returns the paths written, relative to `outRoot`.
 */
export async function writeTitleArtwork(outRoot: string, design: ArtworkDesign): Promise<string[]> {
  const source = await sharp(Buffer.from(artworkSourceSvg(design))).png().toBuffer();
  await writeAtomically(join(outRoot, design.id, 'source.png'), source);
  const written: string[] = [];
  for (const aspect of Object.keys(ARTWORK_ASPECTS) as ArtworkAspect[]) {
    const crop = cropOf(aspect);
    const cropped = await sharp(source).extract(crop).png().toBuffer();
    for (const width of ARTWORK_ASPECTS[aspect].widths) {
      const resized = sharp(cropped).resize(width, artworkHeight(aspect, width));
      for (const format of ARTWORK_FORMATS) {
        const rel = artworkFile(design.id, aspect, width, format.ext);
        await writeAtomically(join(outRoot, rel), await encode(resized.clone(), format));
        written.push(rel);
      }
    }
  }
  return written;
}

function cropOf(aspect: ArtworkAspect): { left: number; top: number; width: number; height: number } {
  const ratio = ARTWORK_ASPECTS[aspect].ratio;
  const width = ratio >= 1 ? SOURCE_PX : Math.round(SOURCE_PX * ratio);
  const height = ratio >= 1 ? Math.round(SOURCE_PX / ratio) : SOURCE_PX;
  return { left: Math.floor((SOURCE_PX - width) / 2), top: Math.floor((SOURCE_PX - height) / 2), width, height };
}

function encode(img: Sharp, format: ArtworkFormat): Promise<Buffer> {
  if (format.ext === 'avif') return img.avif({ quality: 50, effort: 2 }).toBuffer();
  if (format.ext === 'webp') return img.webp({ quality: 75 }).toBuffer();
  return img.jpeg({ quality: 78, progressive: true, mozjpeg: true }).toBuffer();
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.at(-1);
    if (last !== undefined && (last + ' ' + word).length <= maxChars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
