/** The artwork shapes every title has: landscape tiles and portrait posters. */
export const ARTWORK_ASPECTS = {
  '16x9': { ratio: 16 / 9, widths: [320, 640, 1280] },
  '2x3': { ratio: 2 / 3, widths: [200, 400, 600] },
} as const;

export type ArtworkAspect = keyof typeof ARTWORK_ASPECTS;

/**
 * Encodings in order of preference; JPEG is the fallback every client takes. AVIF and WebP go
 * only to a client whose `Accept` names them (`namedOnly`): `*\/*` or no Accept gets JPEG.
 */
export const ARTWORK_FORMATS = [
  { ext: 'avif', type: 'image/avif', namedOnly: true },
  { ext: 'webp', type: 'image/webp', namedOnly: true },
  { ext: 'jpg', type: 'image/jpeg', namedOnly: false },
] as const;

export type ArtworkFormat = (typeof ARTWORK_FORMATS)[number];

/** Height in pixels of an image `width` wide at `aspect`. */
export function artworkHeight(aspect: ArtworkAspect, width: number): number {
  return Math.round(width / ARTWORK_ASPECTS[aspect].ratio);
}

/** File of one rendition below the artwork directory: `<titleId>/<aspect>/<width>.<ext>`. */
export function artworkFile(titleId: string, aspect: ArtworkAspect, width: number, ext: string): string {
  return `${titleId}/${aspect}/${width}.${ext}`;
}

/** An `<img>`'s `src` and `srcset` for one title and aspect; the server picks the encoding by `Accept`. */
export function artworkUrls(titleId: string, aspect: ArtworkAspect): { src: string; srcset: string } {
  const base = `/artwork/${encodeURIComponent(titleId)}/${aspect}`;
  const widths = ARTWORK_ASPECTS[aspect].widths;
  return {
    src: `${base}/${widths[1]}`,
    srcset: widths.map((w) => `${base}/${w} ${w}w`).join(', '),
  };
}
