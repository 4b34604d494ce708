import t from 'tap';
import { readCmcd } from './cmcd-request.js';

const none = new Map<string, string>();
const query = (value: string) => new URLSearchParams({ CMCD: value });

t.test('every CTA-5004 key from the query argument, in the spec units', async (t) => {
  const r = readCmcd(
    query('bl=21300,br=3200,bs,cid="faec5fc2-ac30-11eabb37-0242ac130002",d=4004,dl=18500,mtp=48100,nor="..%2F300kbps%2Fsegment35.m4v",nrr="12323-48763",ot=v,pr=1.08,rtp=12000,sf=d,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",st=v,su,tb=6000'),
    none,
  );
  t.same(r, {
    transmission: 'query',
    invalid: [],
    data: {
      v: 1,
      bl: 21300,
      br: 3200,
      bs: true,
      cid: 'faec5fc2-ac30-11eabb37-0242ac130002',
      d: 4004,
      dl: 18500,
      mtp: 48100,
      nor: '../300kbps/segment35.m4v',
      nrr: { start: 12323, end: 48763 },
      ot: 'v',
      pr: 1.08,
      rtp: 12000,
      sf: 'd',
      sid: '6e2fb550-c457-11e9-bb97-0800200c9a66',
      st: 'v',
      su: true,
      tb: 6000,
    },
  });
});

t.test('the four CMCD-* fields, merged; a request without CMCD reads as null', async (t) => {
  const fields = new Map([
    ['cmcd-request', 'bl=4000, mtp=25400, nor="seg-4.m4s", su'],
    ['cmcd-object', 'br=3200, d=4000, ot=a, tb=6000'],
    ['cmcd-status', 'bs, rtp=15000'],
    ['cmcd-session', 'cid="film", sf=h, sid="s-1", st=v'],
  ]);
  const r = readCmcd(new URLSearchParams(), fields);
  t.equal(r?.transmission, 'headers');
  t.same(r?.invalid, []);
  t.match(r?.data, { bl: 4000, mtp: 25400, nor: 'seg-4.m4s', su: true, br: 3200, d: 4000, ot: 'a', tb: 6000, bs: true, rtp: 15000, cid: 'film', sf: 'h', sid: 's-1', st: 'v' });
  t.equal(readCmcd(new URLSearchParams('a=1'), new Map([['priority', 'u=1']])), null);
});

t.test('bad values are dropped and named, the rest kept; an unparsable field is "malformed"', async (t) => {
  const r = readCmcd(query('bl=abc,br=-5,ot=zz,su=?0,d=1.5,nrr="9-3",sf=q,st=x,pr=-1,tb=6000,sid=?1,bs="yes",mtp=100'), none);
  t.same([...(r?.invalid ?? [])].sort(), ['bl', 'br', 'bs', 'd', 'nrr', 'ot', 'pr', 'sf', 'sid', 'st', 'su'].sort());
  t.same(r?.data, { v: 1, tb: 6000, mtp: 100 });
  const broken = readCmcd(query('bl=1,,,x'), new Map([['cmcd-object', 'ot=v']]));
  t.same(broken?.invalid, ['malformed']);
  t.same(broken?.data, { v: 1, ot: 'v' }, 'the field that parsed still counts');
  t.equal(broken?.transmission, 'both');
  const custom = readCmcd(query('com.example-key="x",zz=1,bl=200'), none);
  t.same(custom, { transmission: 'query', invalid: [], data: { v: 1, bl: 200 } }, 'custom and unknown keys are ignored, not counted');
});

t.test('CMCD v2 inner lists: the value for the object type, nor with its range', async (t) => {
  const r = readCmcd(query('v=2,ot=a,br=(3200;ot=v 128;ot=a),bl=(8000),nor=("seg-5.m4s";r="100-199"),mtp=(25000)'), none);
  t.same(r?.invalid, []);
  t.same(r?.data, { v: 2, ot: 'a', br: 128, bl: 8000, nor: 'seg-5.m4s', nrr: { start: 100, end: 199 }, mtp: 25000 });
  t.same(readCmcd(query('nrr="100-"'), none)?.data.nrr, { start: 100, end: null }, 'an open range');
});
