import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPackage } from '../src/cli/commands/package.js';
import { scratchDir } from './helpers/scratch.js';

const root = scratchDir('h3edge-package-err-');
t.teardown(() => rmSync(root, { recursive: true, force: true }));

async function pack(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const io = {
    stdout: { write: (c: string) => ((stdout += c), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (c: string) => ((stderr += c), true) } as unknown as NodeJS.WritableStream,
  };
  const code = await runPackage(args, io);
  return { code, stderr, stdout };
}

/** A failed run exits non-zero with one line naming the problem and leaves nothing in `parent`. */
function expectFailure(t: Test, r: { code: number; stderr: string }, pattern: RegExp, parent: string): void {
  t.not(r.code, 0, 'non-zero exit');
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('package: '));
  t.equal(lines.length, 1, 'one line');
  t.match(lines[0], pattern);
  t.notMatch(r.stderr, /\s+at\s+\S+\s+\(/, 'no stack trace');
  t.same(readdirSync(parent), [], 'no title or staging directory left behind');
}

function freshParent(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

t.test('a missing input file', async (t) => {
  const parent = freshParent('missing');
  const r = await pack([join(root, 'nope.mp4'), '--out', join(parent, 'title')]);
  expectFailure(t, r, /input not found/, parent);
});

t.test('a text file is not a video', async (t) => {
  const parent = freshParent('text');
  const input = join(root, 'notes.mp4');
  writeFileSync(input, 'this is not a movie\n'.repeat(100));
  const r = await pack([input, '--out', join(parent, 'title')]);
  expectFailure(t, r, /input is not a video/, parent);
});

t.test('an audio-only file is not a video', async (t) => {
  const parent = freshParent('audio');
  const input = join(root, 'tone.m4a');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac', input]);
  const r = await pack([input, '--out', join(parent, 'title')]);
  expectFailure(t, r, /input is not a video.*no video stream/, parent);
});

t.test('bad ladders', async (t) => {
  for (const ladder of ['240:abc', '240:400,240:800', '239:400', '']) {
    const parent = freshParent(`ladder-${ladder.replace(/[^0-9a-z]/g, '_')}-${Math.random().toString(36).slice(2, 6)}`);
    const r = await pack(['lavfi:testsrc2', '--duration', '2', '--size', '320x180', '--ladder', ladder, '--out', join(parent, 'title')]);
    expectFailure(t, r, /invalid ladder/, parent);
  }
  const parent = freshParent('upscale');
  const r = await pack(['lavfi:testsrc2', '--duration', '2', '--size', '320x180', '--ladder', '144:100,360:500', '--out', join(parent, 'title')]);
  expectFailure(t, r, /invalid ladder: 360p is above the source height 180/, parent);
});

t.test('usage errors exit 2', async (t) => {
  const parent = freshParent('usage');
  for (const args of [['lavfi:testsrc2'], ['--out', join(parent, 'x')], ['lavfi:testsrc2', '--out', join(parent, 'x'), '--segment-seconds', '0'], ['lavfi:testsrc2', '--out', join(parent, 'x'), '--languages', 'en,en'], ['lavfi:testsrc2', '--out', join(parent, 'x'), '--bogus']]) {
    const r = await pack(args);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  t.same(readdirSync(parent), []);
});

t.test('an existing title is not overwritten without --force', async (t) => {
  const parent = freshParent('exists');
  mkdirSync(join(parent, 'title'));
  writeFileSync(join(parent, 'title', 'keep.txt'), 'mine');
  const r = await pack(['lavfi:testsrc2', '--duration', '2', '--size', '320x180', '--ladder', '144:100', '--out', join(parent, 'title')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /already exists/);
  t.ok(existsSync(join(parent, 'title', 'keep.txt')), 'untouched');
});

t.test('bad subtitles and an ffmpeg failure leave nothing behind', async (t) => {
  const parent = freshParent('ffmpeg-fails');
  const vtt = join(root, 'bad.vtt');
  writeFileSync(vtt, 'not webvtt');
  const r = await pack(['lavfi:testsrc2', '--duration', '2', '--size', '320x180', '--ladder', '144:100', '--subtitles', `en=${vtt}`, '--out', join(parent, 'title')]);
  expectFailure(t, r, /invalid subtitles: missing WEBVTT header/, parent);
  const r2 = await pack(['lavfi:nosuchsource', '--duration', '2', '--size', '320x180', '--ladder', '144:100', '--out', join(parent, 'title')]);
  expectFailure(t, r2, /ffmpeg failed/, parent);
});
