import t from 'tap';
import { decodeCmsdDynamic, decodeCmsdStatic } from '@svta/cml-cmsd';
import { formatCmsdDynamic, formatCmsdStatic, objectTypeOfPath, streamingFormatOfPath } from './cmsd.js';

t.test('CMSD fields as players decode them (the library dash.js uses)', async (t) => {
  const dynamic = formatCmsdDynamic('edge-7', { etp: 24_000.4, rtt: 20.6, mb: 1500, du: true });
  t.equal(dynamic, '"edge-7";etp=24000;rtt=21;mb=1500;du');
  t.same(decodeCmsdDynamic(dynamic), [{ value: 'edge-7', params: { etp: 24000, rtt: 21, mb: 1500, du: true } }]);
  t.equal(formatCmsdDynamic('h3edge', { mb: 50_000 }), '"h3edge";mb=50000', 'no estimate, no duress: only mb');
  const stat = formatCmsdStatic({ ot: 'v', sf: 'd', st: 'v' });
  t.same(decodeCmsdStatic(stat), { ot: 'v', sf: 'd', st: 'v' });
  t.equal(formatCmsdStatic({}), '');
});

t.test('object type and streaming format from a packaged title\'s paths', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['/content/film/master.m3u8', 'm'],
    ['/t/x/content/film/manifest.mpd', 'm'],
    ['/content/film/video/720p/init.mp4', 'i'],
    ['/content/film/video/720p/seg-3.m4s', 'v'],
    ['/content/film/audio/en/seg-3.m4s', 'a'],
    ['/content/film/subs/en/vtt/seg-3.vtt', 'c'],
    ['/content/film/subs/en/stpp/seg-3.m4s', 'tt'],
    ['/content/film/video/720p.mp4', 'v'],
    ['/content/film/poster.jpg', undefined],
  ];
  for (const [path, ot] of cases) t.equal(objectTypeOfPath(path), ot, path);
  t.equal(streamingFormatOfPath('/a/manifest.mpd'), 'd');
  t.equal(streamingFormatOfPath('/a/index.m3u8'), 'h');
  t.equal(streamingFormatOfPath('/a/seg-1.m4s'), undefined);
});
