import t from 'tap';
import { PathPattern, splitPath } from './path-pattern.js';

t.test('paths split into their non-empty segments', async (t) => {
  for (const p of ['', '/', '//', '/a', 'a', '/a/', '/a//b', '/content/film/video/720p/seg-1.m4s', '///x///y///']) {
    t.same(splitPath(p), p.split('/').filter((s) => s.length > 0), JSON.stringify(p));
  }
});

t.test('patterns: literal segments, :name, a final *name', async (t) => {
  const content = new PathPattern('/content/*path');
  t.same(content.match('/content/film/master.m3u8'), { path: 'film/master.m3u8' });
  t.same(content.match('/content'), { path: '' }, 'the rest may be empty');
  t.equal(content.match('/contents/film'), null);
  const token = new PathPattern('/t/:token/content/*');
  t.same(token.match('/t/abc/content/x/y'), { token: 'abc', '': 'x/y' }, 'an unnamed rest');
  t.equal(token.match('/t/abc'), null, 'too short');
  const health = new PathPattern('/healthz');
  t.same(health.match('/healthz'), {});
  t.same(health.match('/healthz/'), {}, 'a trailing slash is no segment');
  t.equal(health.match('/healthz/x'), null, 'too long');
  t.equal(health.match('/readyz'), null);
});
