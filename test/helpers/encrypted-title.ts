import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KeyStore } from '../../src/playback/drm/key-store.js';

/**
 * A short CENC (AES-CTR) encrypted CMAF title made with ffmpeg's DASH muxer (MPD + HLS master),
 * its key written to a key store. The MPD carries no ContentProtection: the server adds it per
 * session, which is what the test exercises.
 */
export async function makeEncryptedTitle(mediaDir: string, keyDir: string, titleId: string): Promise<{ kid: string; key: string }> {
  const kid = randomBytes(16).toString('hex');
  const key = randomBytes(16).toString('hex');
  const out = join(mediaDir, titleId);
  mkdirSync(out, { recursive: true });
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=426x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '12'],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-b:v', '400k'],
      ...['-c:a', 'aac', '-b:a', '64k', '-ac', '2'],
      ...['-encryption_scheme', 'cenc-aes-ctr', '-encryption_key', key, '-encryption_kid', kid],
      ...['-f', 'dash', '-seg_duration', '2', '-use_template', '1', '-use_timeline', '1', '-hls_playlist', '1', '-adaptation_sets', 'id=0,streams=v id=1,streams=a'],
      'manifest.mpd',
    ],
    { cwd: out, timeout: 120_000 },
  );
  await new KeyStore(keyDir).put(titleId, { scheme: 'cenc', keys: [{ kid, key }] });
  return { kid, key };
}
