import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DASH_MANIFEST } from '../../media/dash-manifest.js';
import { InvalidPackageOption, PackagingError } from '../../media/errors.js';
import { MASTER_PLAYLIST } from '../../media/hls-manifest.js';
import { parseLadder } from '../../media/ladder.js';
import { packageTitle, type PackageOptions } from '../../media/package-title.js';
import { KeyStore } from '../../playback/drm/key-store.js';
import type { CommandIo } from '../io.js';

/** One-line usage shown by `h3edge --help` and on usage errors. */
export const PACKAGE_USAGE =
  'h3edge package <input|lavfi:testsrc2> --out media/<titleId> [--segment-seconds 4] [--single-file] [--languages en,fr]\n' +
  '        [--ladder 240:400,360:800,540:1800,720:3000] [--subtitles en=a.vtt,fr=b.vtt] [--force]\n' +
  '        [--duration 12 --size 1280x720 --fps 25]   (lavfi inputs only)\n' +
  '        [--encrypt [--scheme cenc|cbcs] [--key-store ./keys]]   (CENC; the content key goes to the key store, never into the title)';

/**
 * `h3edge package`: packages one input into a title directory (see `packageTitle`). Prints
 * progress to stderr and the manifest paths to stdout. Returns 0 on success, 2 for usage errors,
 * 1 when packaging fails (one line naming the cause; nothing is left in the output directory).
 */
export async function runPackage(argv: string[], io: CommandIo): Promise<number> {
  let opts: PackageOptions;
  let keyStoreDir: string;
  try {
    ({ opts, keyStoreDir } = parseOptions(argv));
  } catch (err) {
    io.stderr.write(`h3edge package: ${(err as Error).message} (see h3edge package --help)\n`);
    return 2;
  }
  let lastStep = -1;
  const started = Date.now();
  opts.onProgress = (p) => {
    const step = Math.floor(p.fraction * 10);
    if (step <= lastStep) return;
    lastStep = step;
    io.stderr.write(`package: ${step * 10}%${p.speed ? ` (${p.speed.toFixed(2)}x realtime)` : ''}\n`);
  };
  // Ctrl-C or a service stop kills ffmpeg through the signal, so packageTitle still removes its
  // staging directory before the process exits.
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  opts.signal = abort.signal;
  try {
    // The key is stored before the title appears, so an encrypted title is never served keyless.
    if (opts.encryption) await new KeyStore(keyStoreDir).put(basename(resolve(opts.outDir)), { scheme: opts.encryption.scheme ?? 'cenc', keys: [{ kid: opts.encryption.kid, key: opts.encryption.key }] });
    const title = await packageTitle(opts);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.stdout.write(
      `packaged ${opts.outDir}: ${title.video.length} video, ${title.audio.length} audio, ${title.subtitles.length} subtitle tracks, ` +
        `${title.durationSec.toFixed(1)} s of media in ${seconds} s\n` +
        title.droppedRenditions.map((d) => `  dropped ${d.reason}\n`).join('') +
        `  ${join(opts.outDir, MASTER_PLAYLIST)}\n  ${join(opts.outDir, DASH_MANIFEST)}\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof PackagingError)) throw err;
    io.stderr.write(`h3edge package: ${err.message}\n`);
    return err instanceof InvalidPackageOption ? 2 : 1;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

function parseOptions(argv: string[]): { opts: PackageOptions; keyStoreDir: string } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'segment-seconds': { type: 'string' },
      'single-file': { type: 'boolean' },
      languages: { type: 'string' },
      ladder: { type: 'string' },
      subtitles: { type: 'string' },
      duration: { type: 'string' },
      size: { type: 'string' },
      fps: { type: 'string' },
      force: { type: 'boolean' },
      encrypt: { type: 'boolean' },
      scheme: { type: 'string' },
      'key-store': { type: 'string' },
    },
  });
  const input = positionals[0];
  if (!input || positionals.length > 1) throw new InvalidPackageOption('exactly one input is required');
  if (!values.out) throw new InvalidPackageOption('--out is required');
  const opts: PackageOptions = {
    input,
    outDir: values.out,
    singleFile: values['single-file'] ?? false,
    overwrite: values.force ?? false,
    cueLabel: values.out.split(/[\\/]/).filter(Boolean).pop(),
  };
  if (values.scheme !== undefined && values.scheme !== 'cenc' && values.scheme !== 'cbcs') throw new InvalidPackageOption('--scheme must be cenc or cbcs');
  if (values.scheme !== undefined && !values.encrypt) throw new InvalidPackageOption('--scheme needs --encrypt');
  if (values.encrypt) opts.encryption = { kid: randomBytes(16).toString('hex'), key: randomBytes(16).toString('hex'), scheme: values.scheme === 'cbcs' ? 'cbcs' : 'cenc' };
  if (values['segment-seconds'] !== undefined) opts.segmentSeconds = Number(values['segment-seconds']);
  if (values.languages !== undefined) opts.languages = values.languages.split(',').map((s) => s.trim());
  if (values.ladder !== undefined) opts.ladder = parseLadder(values.ladder);
  if (values.subtitles !== undefined) opts.subtitles = parsePairs(values.subtitles);
  const size = values.size !== undefined ? /^(\d+)x(\d+)$/.exec(values.size) : undefined;
  if (values.size !== undefined && !size) throw new InvalidPackageOption(`--size must be WIDTHxHEIGHT, got ${values.size}`);
  opts.synthetic = {
    ...(size ? { width: Number(size[1]), height: Number(size[2]) } : {}),
    ...(values.fps !== undefined ? { fps: positive('--fps', values.fps) } : {}),
    ...(values.duration !== undefined ? { durationSec: positive('--duration', values.duration) } : {}),
  } as PackageOptions['synthetic'];
  return { opts, keyStoreDir: values['key-store'] ?? './keys' };
}

function parsePairs(spec: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const at = part.indexOf('=');
    if (at <= 0) throw new InvalidPackageOption(`--subtitles expects lang=path pairs, got "${part}"`);
    pairs[part.slice(0, at)] = part.slice(at + 1);
  }
  return pairs;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (!(n > 0) || n > 7200) throw new InvalidPackageOption(`${flag} must be a positive number, got ${value}`);
  return n;
}
