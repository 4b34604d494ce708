import t from 'tap';
import { basename, extname } from 'node:path';
import { classifyRequest, extensionOf, lastSegment } from './resource-class.js';

t.test('the last segment and extension of a path, as node:path reads them', async (t) => {
  const paths = ['/', '', 'x', '/a', '/a/', '/a//', '/a/b.c', '/a/b.c/', '/content/film/video/720p/seg-12.m4s', '/.hidden', '/a/.m3u8', '/a/b.', '/a/b.tar.gz', '/a/b..c', 'rel/seg-1.m4s'];
  for (const p of paths) {
    t.equal(lastSegment(p), basename(p), `basename ${JSON.stringify(p)}`);
    t.equal(extensionOf(lastSegment(p)), extname(p), `extname ${JSON.stringify(p)}`);
  }
});

t.test('requests by class', async (t) => {
  const none = new Map<string, string>();
  const cases: Array<[string, string]> = [
    ['/content/film/master.m3u8', 'manifest'],
    ['/content/film/MANIFEST.MPD', 'manifest'],
    ['/content/film/video/720p/init.mp4', 'init'],
    ['/content/film/video/720p/seg-1.m4s', 'first-segment'],
    ['/content/film/video/720p/seg-2.m4s', 'first-segment'],
    ['/content/film/video/720p/seg-3.m4s', 'segment'],
    ['/content/film/subs/en/vtt/seg-7.vtt', 'segment'],
    ['/content/film/poster.jpg', 'other'],
    ['/artwork/film/poster.jpg', 'artwork'],
    ['/v1/playback/film', 'api'],
  ];
  for (const [path, cls] of cases) t.equal(classifyRequest(path, none), cls, path);
  t.equal(classifyRequest('/content/film/video/720p/seg-3.m4s', new Map([['sec-purpose', 'prefetch;prerender']])), 'prefetch');
  t.equal(classifyRequest('/content/film/video/720p/seg-3.m4s', new Map([['purpose', 'prefetch']])), 'prefetch');
});
