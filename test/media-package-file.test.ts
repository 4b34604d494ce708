import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { Parser as M3u8Parser } from 'm3u8-parser';
import { runPackage } from '../src/cli/commands/package.js';
import { scratchDir } from './helpers/scratch.js';

const root = scratchDir('h3edge-package-file-');
t.teardown(() => rmSync(root, { recursive: true, force: true }));

const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

// A 6 s 30 fps mezzanine with two audio streams tagged fre and eng (in that order) and one
// untagged stream, as a real delivery might arrive.
const input = join(root, 'mezzanine.mkv');
execFileSync('ffmpeg', [
  '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=384x216:rate=30:duration=6',
  '-f', 'lavfi', '-i', 'sine=frequency=500:duration=6', '-f', 'lavfi', '-i', 'sine=frequency=700:duration=6',
  '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac',
  '-metadata:s:a:0', 'language=fre', '-metadata:s:a:1', 'language=eng', input,
]);

function audioFrequencyHz(file: string): number {
  // Zero crossings of the decoded tone tell which source stream a rendition came from.
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-t', '1', '-ac', '1', '-ar', '8000', '-f', 's16le', '-'], { maxBuffer: 1 << 24 });
  let crossings = 0;
  for (let i = 2; i + 1 < pcm.length; i += 2) if ((pcm.readInt16LE(i - 2) < 0) !== (pcm.readInt16LE(i) < 0)) crossings++;
  return crossings / 2 / (pcm.length / 2 / 8000);
}

t.test('a file input: tagged audio streams map to their languages, sidecar WebVTT becomes both formats', async (t) => {
  const vtt = join(root, 'en.vtt');
  writeFileSync(vtt, 'WEBVTT\n\n00:00.500 --> 00:02.000\nHello from a file\n');
  const out = join(root, 'title');
  const code = await runPackage(
    [input, '--out', out, '--segment-seconds', '2', '--ladder', '108:100,144:150,180:200,216:300', '--languages', 'en,fr', '--subtitles', `en=${vtt}`],
    { stdout: quiet, stderr: quiet },
  );
  t.equal(code, 0);
  const parser = new M3u8Parser();
  parser.push(readFileSync(join(out, 'master.m3u8'), 'utf8'));
  parser.end();
  const m = parser.manifest;
  t.equal(m.playlists.length, 4);
  t.match(m.playlists[0].attributes['FRAME-RATE'], 30);
  t.same(Object.values(m.mediaGroups.SUBTITLES.subs).map((s: any) => s.language), ['en'], 'subtitles only where given');
  t.match(readFileSync(join(out, 'subs/en.ttml'), 'utf8'), /<p begin="00:00:00\.500" end="00:00:02\.000">Hello from a file<\/p>/);

  const en = Buffer.concat([readFileSync(join(out, 'audio/en/init.mp4')), readFileSync(join(out, 'audio/en/seg-1.m4s'))]);
  const fr = Buffer.concat([readFileSync(join(out, 'audio/fr/init.mp4')), readFileSync(join(out, 'audio/fr/seg-1.m4s'))]);
  writeFileSync(join(root, 'en.mp4'), en);
  writeFileSync(join(root, 'fr.mp4'), fr);
  t.ok(Math.abs(audioFrequencyHz(join(root, 'en.mp4')) - 700) < 30, 'en comes from the eng stream');
  t.ok(Math.abs(audioFrequencyHz(join(root, 'fr.mp4')) - 500) < 30, 'fr comes from the fre stream');

  const mpd = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(readFileSync(join(out, 'manifest.mpd'), 'utf8')).MPD;
  const video = mpd.Period.AdaptationSet.find((s: any) => s.contentType === 'video');
  t.equal(video.frameRate, '30');
  const s = video.Representation[0].SegmentTemplate.SegmentTimeline.S;
  t.equal([s].flat().reduce((n: number, e: any) => n + 1 + Number(e.r ?? 0), 0), 3, '6 s in 2 s segments');
});

t.test('a file without audio gets a silent track per language', async (t) => {
  const silent = join(root, 'silent.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=256x144:rate=25:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', silent]);
  const out = join(root, 'silent-title');
  const code = await runPackage([silent, '--out', out, '--ladder', '72:50,144:100', '--languages', 'en,fr'], { stdout: quiet, stderr: quiet });
  t.equal(code, 0);
  const master = readFileSync(join(out, 'master.m3u8'), 'utf8');
  t.match(master, /LANGUAGE="en"/);
  t.match(master, /LANGUAGE="fr"/);
  t.notMatch(master, /SUBTITLES=/, 'no subtitle group without subtitles');
});
