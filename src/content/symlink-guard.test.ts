import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFound } from '../http/errors.js';
import { SymlinkGuard } from './symlink-guard.js';

const base = mkdtempSync(join(tmpdir(), 'h3edge-symlink-'));
t.teardown(() => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'media');
const outside = join(base, 'secret');
mkdirSync(join(root, 'title'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, 'title', 'seg.m4s'), 'inside');
writeFileSync(join(outside, 'key.txt'), 'outside');
symlinkSync(join(root, 'title'), join(root, 'alias'));
symlinkSync(outside, join(root, 'escape'));

t.test('links that stay inside pass; links that leave are NotFound; missing files are checked at their directory', async (t) => {
  const guard = new SymlinkGuard(root);
  await guard.assertInside(join(root, 'title', 'seg.m4s'));
  await guard.assertInside(join(root, 'alias', 'seg.m4s'));
  await guard.assertInside(join(root, 'title', 'not-yet-fetched.m4s'));
  await t.rejects(guard.assertInside(join(root, 'escape', 'key.txt')), NotFound);
  await t.rejects(guard.assertInside(join(root, 'escape', 'not-there.txt')), NotFound, 'a missing file behind an escaping link too');
  await t.rejects(new SymlinkGuard(join(base, 'no-such-root')).assertInside(join(base, 'no-such-root', 'x')), NotFound);
});

t.test('a path found inside is trusted for ttlMs, then looked up again', async (t) => {
  let now = 1_000_000;
  const guard = new SymlinkGuard(root, 1000, () => now);
  const link = join(root, 'swapped');
  symlinkSync(join(root, 'title'), link);
  await guard.assertInside(join(link, 'seg.m4s'));
  unlinkSync(link);
  symlinkSync(outside, link);
  now += 999;
  await guard.assertInside(join(link, 'seg.m4s'));
  t.pass('within the ttl the earlier lookup stands');
  now += 2;
  await t.rejects(guard.assertInside(join(link, 'seg.m4s')), NotFound, 'after it, the link that now leaves is refused');
  now += 5000;
  await t.rejects(guard.assertInside(join(link, 'seg.m4s')), NotFound, 'an escaping path is never trusted');
});
