import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A clear CMAF title (DASH MPD + HLS master) from ffmpeg test sources, `seconds` long. */
export function makeClearTitle(mediaDir: string, titleId: string, seconds: number): void {
  const out = join(mediaDir, titleId);
  mkdirSync(out, { recursive: true });
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=426x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', String(seconds)],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-b:v', '300k'],
      ...['-c:a', 'aac', '-b:a', '64k', '-ac', '2'],
      ...['-f', 'dash', '-seg_duration', '2', '-use_template', '1', '-use_timeline', '1', '-hls_playlist', '1', '-adaptation_sets', 'id=0,streams=v id=1,streams=a'],
      'manifest.mpd',
    ],
    { cwd: out, timeout: 120_000 },
  );
}
