import t from 'tap';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { run } from './helpers/run.js';
import { mediaWithDemoFilm } from './helpers/demo-title.js';

// ffmpeg as a client of the running node: it demuxes every clear title of the demo library from
// its HLS and its DASH manifest over HTTPS (verifying the node against the local CA), decodes the
// first seconds of every video and audio stream, and reads the subtitle streams.
const ROOT = join(import.meta.dirname, '..');
const CLEAR_TITLES = ['long-test-pattern', 'signal-and-noise-s01e01', 'signal-and-noise-s01e02', 'signal-and-noise-s01e03'];
const DECODE_SEC = 6;

interface Rendition {
  id: string;
}
interface Summary {
  video: Rendition[];
  audio: Array<{ language: string }>;
  subtitles: Array<{ language: string }>;
}

const { dir } = mediaWithDemoFilm();
for (const id of CLEAR_TITLES) if (!existsSync(join(dir, id))) cpSync(join(ROOT, 'media', id), join(dir, id), { recursive: true });

/** Per input stream: its type and how many packets were read and frames decoded (ffmpeg -v verbose). */
function streamCounts(stderr: string): Array<{ index: string; type: string; packets: number; frames: number }> {
  const out = [];
  for (const m of stderr.matchAll(/Input stream #(\d+:\d+) \((\w+)\): (\d+) packets read \([^)]*\);(?: (\d+) frames decoded(?: \([^)]*\))?;)?/g)) {
    out.push({ index: m[1]!, type: m[2]!, packets: Number(m[3]), frames: Number(m[4] ?? 0) });
  }
  return out;
}

t.test('ffmpeg demuxes and decodes every clear title over HLS and DASH from the node', async (t) => {
  const server = await startTestServer({ media: dir, logLevel: 'warn' });
  t.teardown(() => server.close());
  for (const id of CLEAR_TITLES) {
    const summary = JSON.parse(readFileSync(join(dir, id, 'package.json'), 'utf8')) as Summary;
    for (const [format, manifest] of [
      ['HLS', 'master.m3u8'],
      ['DASH', 'manifest.mpd'],
    ] as const) {
      await t.test(`${id} ${format}`, async (t) => {
        const url = `${server.origin}/content/${id}/${manifest}`;
        const tls = ['-ca_file', server.certs.caFile, '-tls_verify', '1'];
        // ffmpeg 5.1's HLS demuxer reads subtitle renditions only at `-strict experimental`.
        const r = await run(
          'ffmpeg',
          [
            ...['-hide_banner', '-nostdin', '-v', 'verbose', '-strict', 'experimental', ...tls, '-i', url],
            ...['-t', String(DECODE_SEC), '-map', '0:v', '-map', '0:a', '-map', '0:s?', '-c:s', 'copy', '-map', '0:d?', '-c:d', 'copy', '-f', 'null', '-'],
          ],
          { timeoutMs: 120_000 },
        );
        const errors = r.stderr.split('\n').filter((l) => /error|failed|invalid/i.test(l) && !/^\s*(Input|Output) stream/.test(l));
        t.equal(r.code, 0, `ffmpeg exit code 0${r.code === 0 ? '' : `: ${errors.slice(-3).join(' | ')}`}`);
        t.same(errors, [], 'no error lines');
        const counts = streamCounts(r.stderr);
        const video = counts.filter((c) => c.type === 'video');
        const audio = counts.filter((c) => c.type === 'audio');
        // ffmpeg 5.1 has no decoder for CMAF text: its DASH demuxer gives stpp/wvtt tracks as data streams.
        const text = counts.filter((c) => c.type === 'subtitle' || c.type === 'data');
        t.equal(video.length, summary.video.length, `every video rendition (${summary.video.map((v) => v.id).join(', ')})`);
        t.equal(audio.length, summary.audio.length, `every audio language (${summary.audio.map((a) => a.language).join(', ')})`);
        // One stream per language, or more where a language comes in two text formats (IMSC1 and WebVTT).
        t.ok(text.length >= summary.subtitles.length, `${text.length} subtitle streams for ${summary.subtitles.map((s) => s.language).join(', ')}`);
        // 25 fps video, 48 kHz AAC (1024 samples a frame): what DECODE_SEC seconds hold, less a margin.
        t.ok(video.length > 0 && video.every((v) => v.frames >= DECODE_SEC * 25 * 0.9), `video frames decoded per rendition: ${video.map((v) => v.frames).join(', ')}`);
        t.ok(audio.length > 0 && audio.every((a) => a.frames >= ((DECODE_SEC * 48_000) / 1024) * 0.9), `audio frames decoded per language: ${audio.map((a) => a.frames).join(', ')}`);
        t.ok(text.every((s) => s.packets > 0), `subtitle packets read per language: ${text.map((s) => s.packets).join(', ')}`);
      });
    }
  }
});
