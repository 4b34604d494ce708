import t from 'tap';
import type { Exchange } from '../http/exchange.js';
import { nextObjectPath } from './next-object.js';

const request = (pathname: string, nor: string | undefined): Exchange =>
  ({ pathname, cmcd: nor === undefined ? null : { data: { v: 1, nor }, transmission: 'query', invalid: [] } }) as unknown as Exchange;

t.test('nor resolves against the request, within its route prefix and title', async (t) => {
  const seg = 'film/video/720p/seg-3.m4s';
  t.equal(nextObjectPath(request(`/content/${seg}`, 'seg-4.m4s'), seg), 'film/video/720p/seg-4.m4s');
  t.equal(nextObjectPath(request(`/t/TOKEN/content/${seg}`, '../540p/seg-4.m4s'), seg), 'film/video/540p/seg-4.m4s', 'another rendition of the title');
  t.equal(nextObjectPath(request(`/t/TOKEN/content/${seg}`, '/t/TOKEN/content/film/audio/en/seg-4.m4s'), seg), 'film/audio/en/seg-4.m4s', 'an absolute path under the same token');
  t.equal(nextObjectPath(request(`/t/TOKEN/content/${seg}`, '../../../other/video/720p/seg-4.m4s'), seg), null, 'another title');
  t.equal(nextObjectPath(request(`/t/TOKEN/content/${seg}`, '/t/OTHER/content/film/video/720p/seg-4.m4s'), seg), null, 'another token');
  t.equal(nextObjectPath(request(`/t/TOKEN/content/${seg}`, '../../../../../../etc/passwd'), seg), null, 'out of the tree');
  t.equal(nextObjectPath(request(`/content/${seg}`, 'https://elsewhere.example/content/film/video/720p/seg-4.m4s'), seg), null, 'another origin');
  t.equal(nextObjectPath(request(`/content/${seg}`, 'seg-3.m4s'), seg), null, 'the object itself (a next range of it)');
  t.equal(nextObjectPath(request(`/content/${seg}`, undefined), seg), null, 'no hint');
});
