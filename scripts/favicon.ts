// The site icon: web/favicon.svg for browsers that take SVG icons, and /favicon.ico (what every
// browser asks for by default) rendered from it.
import sharp from 'sharp';

/** Sizes inside favicon.ico: tabs (16, 32) and shortcuts (48). */
const ICO_SIZES = [16, 32, 48] as const;

/**
 * An ICO file (the Windows icon format every browser reads) holding `svg` rendered at 16, 32 and
 * 48 px. Each image is stored as PNG, which ICO allows since Windows Vista and browsers decode.
 */
export async function faviconIco(svg: Buffer): Promise<Buffer> {
  const pngs = await Promise.all(ICO_SIZES.map((px) => sharp(svg, { density: 384 }).resize(px, px).png().toBuffer()));
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  const entries: Buffer[] = [];
  let offset = 6 + 16 * pngs.length;
  pngs.forEach((png, i) => {
    const px = ICO_SIZES[i]!;
    const entry = Buffer.alloc(16);
    entry.writeUInt8(px % 256, 0); // width (0 means 256)
    entry.writeUInt8(px % 256, 1); // height
    entry.writeUInt8(0, 2); // no palette
    entry.writeUInt8(0, 3); // reserved
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(png.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(entry);
  });
  return Buffer.concat([header, ...entries, ...pngs]);
}
