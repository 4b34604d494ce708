// Builds the web app (web/) into dist/web/: browse.html and player.html (the shells served at /
// and /watch/<id>), app/ with the bundled, content-hashed scripts (hls.js bundled into the
// player) and styles, and the site icon (favicon.svg, favicon.ico). Usage: npx tsx scripts/build-web.ts [--out dist/web]
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { faviconIco } from './favicon.js';

const ROOT = join(import.meta.dirname, '..');
const WEB = join(ROOT, 'web');

/** Bundles the app into `outDir` (replacing it); returns the asset names by entry (`player.js` → `app/player-HASH.js`). */
export async function buildWeb(outDir: string): Promise<Record<string, string>> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { browse: join(WEB, 'browse/main.ts'), player: join(WEB, 'player/main.ts'), app: join(WEB, 'app.css') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    outdir: join(outDir, 'app'),
    metafile: true,
    logLevel: 'warning',
  });
  const assets: Record<string, string> = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint || file.endsWith('.map')) continue;
    const ext = file.endsWith('.css') ? 'css' : 'js';
    const name = basename(file).replace(/-[A-Z0-9]{8}\.(js|css)$/, `.${ext}`);
    assets[name] = relative(outDir, resolve(file)).split('\\').join('/');
  }
  for (const page of ['browse.html', 'player.html']) {
    const html = (await readFile(join(WEB, page), 'utf8')).replace(/\{\{([a-z]+\.(?:js|css))\}\}/g, (_m, name: string) => {
      const asset = assets[name];
      if (!asset) throw new Error(`${page}: no asset ${name}`);
      return `/${asset}`;
    });
    await writeFile(join(outDir, page), html);
  }
  const icon = await readFile(join(WEB, 'favicon.svg'));
  await writeFile(join(outDir, 'favicon.svg'), icon);
  await writeFile(join(outDir, 'favicon.ico'), await faviconIco(icon));
  return assets;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'dist/web') } } });
  const assets = await buildWeb(resolve(values.out));
  process.stderr.write(`web: ${Object.values(assets).join(', ')} in ${values.out}\n`);
}
