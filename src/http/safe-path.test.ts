import t from 'tap';
import { resolve, sep } from 'node:path';
import { resolveInside } from './safe-path.js';
import { BadRequest, NotFound } from './errors.js';

/** What resolveInside returned before it joined names itself: node:path's resolve of the checked segments. */
function byResolve(root: string, encoded: string): string {
  const decoded = decodeURIComponent(encoded);
  const abs = resolve(resolve(root), ...decoded.split('/'));
  if (!abs.startsWith(resolve(root) + sep)) throw new Error('outside');
  return abs;
}

t.test('plain names join the root as node:path resolves them', async (t) => {
  for (const root of ['/srv/media', '/srv/media/', 'media', './media/../media', '/a']) {
    for (const rel of ['film/master.m3u8', 'film/video/720p/seg-12.m4s', 'a%20b/c%2Bd.mp4', 'x', 'caf%C3%A9/1.m4s', '...x/y', '.hidden/f']) {
      t.equal(resolveInside(root, rel), byResolve(root, rel), `${root} + ${rel}`);
    }
  }
});

t.test('what may not leave the root is refused', async (t) => {
  const refused: Array<[string, typeof BadRequest | typeof NotFound]> = [
    ['../etc/passwd', BadRequest],
    ['film/../../etc', BadRequest],
    ['%2e%2e/etc', BadRequest],
    ['..%2fetc', BadRequest],
    ['film/%00', BadRequest],
    ['film%5c..%5c..', BadRequest],
    ['%zz', BadRequest],
    ['film//seg', NotFound],
    ['/etc/passwd', NotFound],
    ['film/', NotFound],
    ['./film', BadRequest],
  ];
  for (const [rel, kind] of refused) t.throws(() => resolveInside('/srv/media', rel), kind, rel);
});
