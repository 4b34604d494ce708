import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

const ROOT = join(import.meta.dirname, '../..');

/**
 * A media root with the demo film (60 s, four renditions, en/fr audio, en/fr subtitles), the
 * byte-range episode (one fMP4 per rendition) and the player test pages (hls.js, dash.js, Shaka) beside them. The demo library is built by `make setup`; built here if missing.
 */
export function mediaWithDemoFilm(): { dir: string; titleId: string; byteRangeTitleId: string } {
  const titleId = 'long-test-pattern';
  const byteRangeTitleId = 'signal-and-noise-s01e02';
  const library = join(ROOT, 'media');
  if (!existsSync(join(library, titleId, 'master.m3u8'))) {
    execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/make-demo-library.ts'), '--media', library], { stdio: 'inherit', timeout: 900_000 });
  }
  const dir = scratchDir('h3edge-players-');
  for (const id of [titleId, byteRangeTitleId]) cpSync(join(library, id), join(dir, id), { recursive: true });
  mkdirSync(join(dir, 'player'));
  for (const page of ['hls.html', 'dash.html', 'shaka.html']) copyFileSync(join(ROOT, 'test/fixtures/players', page), join(dir, 'player', page));
  copyFileSync(join(ROOT, 'node_modules/hls.js/dist/hls.min.js'), join(dir, 'player/hls.min.js'));
  copyFileSync(join(ROOT, 'node_modules/dashjs/dist/modern/umd/dash.all.min.js'), join(dir, 'player/dash.all.min.js'));
  copyFileSync(join(ROOT, 'node_modules/shaka-player/dist/shaka-player.compiled.js'), join(dir, 'player/shaka-player.compiled.js'));
  return { dir, titleId, byteRangeTitleId };
}
