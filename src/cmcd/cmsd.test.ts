import t from 'tap';
import { decodeCmsdDynamic, decodeCmsdStatic, encodeCmsdDynamic } from '@svta/cml-cmsd';
import { SfItem } from '@svta/cml-structured-field-values';
import { type CmsdDynamicValues, formatCmsdDynamic, formatCmsdStatic, objectTypeOfPath, streamingFormatOfPath } from './cmsd.js';

t.test('CMSD fields as players decode them (the library dash.js uses)', async (t) => {
  const dynamic = formatCmsdDynamic('edge-7', { etp: 24_000.4, rtt: 20.6, mb: 1500, du: true });
  t.equal(dynamic, '"edge-7";etp=24000;rtt=21;mb=1500;du');
  t.same(decodeCmsdDynamic(dynamic), [{ value: 'edge-7', params: { etp: 24000, rtt: 21, mb: 1500, du: true } }]);
  t.equal(formatCmsdDynamic('h3edge', { mb: 50_000 }), '"h3edge";mb=50000', 'no estimate, no duress: only mb');
  const stat = formatCmsdStatic({ ot: 'v', sf: 'd', st: 'v' });
  t.same(decodeCmsdStatic(stat), { ot: 'v', sf: 'd', st: 'v' });
  t.equal(formatCmsdStatic({}), '');
});

t.test('CMSD-Dynamic as the generic structured-field encoder writes it, for every shape of value', async (t) => {
  // The encoder's way, from the values as formatCmsdDynamic documents them (integers, >= 0).
  const reference = (nodeId: string, v: CmsdDynamicValues): string => {
    const params: Record<string, number | boolean> = {};
    for (const key of ['etp', 'rtt', 'mb'] as const) {
      const x = v[key];
      if (x !== undefined && Number.isFinite(x)) params[key] = Math.min(999_999_999_999_999, Math.max(0, Math.round(x)));
    }
    if (v.du) params.du = true;
    return encodeCmsdDynamic([new SfItem(nodeId, params)]);
  };
  const numbers = [undefined, 0, 0.4, 0.5, 1, 20.6, 24_000.4, -3, Number.NaN, Number.POSITIVE_INFINITY, 1e20];
  let compared = 0;
  for (const nodeId of ['h3edge', 'edge-7', 'a "quoted" \\ node', ' ~']) {
    for (const etp of numbers) {
      for (const rtt of [undefined, 0.2, 21]) {
        for (const mb of [undefined, 600, 1e16]) {
          for (const du of [undefined, false, true]) {
            const values = { etp, rtt, mb, du };
            const ours = formatCmsdDynamic(nodeId, values);
            if (ours !== reference(nodeId, values)) t.fail(`${nodeId} ${JSON.stringify(values)}: ${ours} against ${reference(nodeId, values)}`);
            compared++;
          }
        }
      }
    }
  }
  t.equal(compared, 4 * numbers.length * 3 * 3 * 3, `${compared} value sets written as the encoder writes them`);
  t.same(decodeCmsdDynamic(formatCmsdDynamic('a "quoted" \\ node', { etp: 1 })), [{ value: 'a "quoted" \\ node', params: { etp: 1 } }], 'a node id with quotes and backslashes decodes back');
  t.equal(formatCmsdStatic({ ot: 'v', sf: 'd', st: 'v' }), formatCmsdStatic({ ot: 'v', sf: 'd', st: 'v' }), 'static fields: the same string again');
  t.equal(formatCmsdStatic({ ot: 'i', st: 'v' }), 'ot=i,st=v');
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
