import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { packageTitle } from '../../src/media/package-title.js';
import { KeyStore } from '../../src/playback/drm/key-store.js';

/**
 * A short CENC-encrypted title made by our packager (`--encrypt [--scheme]`), its key in a key
 * store. The MPD on disk carries no ContentProtection: the server adds it per session.
 */
export async function makeEncryptedTitle(mediaDir: string, keyDir: string, titleId: string, scheme: 'cenc' | 'cbcs' = 'cenc'): Promise<{ kid: string; key: string }> {
  const encryption = { kid: randomBytes(16).toString('hex'), key: randomBytes(16).toString('hex') };
  await new KeyStore(keyDir).put(titleId, { scheme, keys: [encryption] });
  await packageTitle({
    input: 'lavfi:testsrc2',
    outDir: join(mediaDir, titleId),
    synthetic: { width: 640, height: 360, fps: 25, durationSec: 16 },
    ladder: [
      { height: 240, bitrateKbps: 400 },
      { height: 360, bitrateKbps: 800 },
    ],
    segmentSeconds: 2,
    encryption: { ...encryption, scheme },
  });
  return encryption;
}
