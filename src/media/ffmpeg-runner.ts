import { spawn } from 'node:child_process';
import { EncodeFailed } from './errors.js';

/** One progress report from ffmpeg's `-progress` stream. */
export interface EncodeProgress {
  /** Encoded media time, seconds. */
  outTimeSec: number;
  /** Fraction 0..1 of `durationSec`. */
  fraction: number;
  /** Realtime factor ffmpeg reports (`1.5` = 1.5× realtime), when known. */
  speed?: number;
}

/**
 * Runs ffmpeg with `args` (which must include `-progress pipe:1`), reporting progress against
 * `durationSec`. Resolves when ffmpeg exits 0; rejects with EncodeFailed carrying the stderr
 * tail otherwise. Aborting `signal` kills ffmpeg.
 */
export function runFfmpeg(
  args: readonly string[],
  durationSec: number,
  onProgress?: (p: EncodeProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let stderr = '';
    let pending = '';
    let speed: number | undefined;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4096);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const [key, value] = line.split('=', 2);
        if (key === 'speed') speed = Number.parseFloat(value ?? '') || undefined;
        // `out_time_us` is microseconds; `N/A` before the first frame.
        if (key === 'out_time_us' && onProgress) {
          const outTimeSec = Math.max(0, Number(value) / 1e6 || 0);
          onProgress({ outTimeSec, fraction: Math.min(1, outTimeSec / durationSec), speed });
        }
      }
    });
    child.on('error', (err) => reject(new EncodeFailed(null, `${stderr}\n${err.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new EncodeFailed(code, stderr))));
  });
}
