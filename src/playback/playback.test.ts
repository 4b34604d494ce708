import t from 'tap';
import { playbackRequestParser } from './request-schema.js';
import { SessionRegistry } from './sessions.js';
import { ThroughputHistory } from './throughput-history.js';
import { decidePolicy } from './policy.js';
import { RegionMap, rankCdns, type Cdn } from './cdn-ranking.js';

const parse = playbackRequestParser();
const good = { profileId: 'p1', titleId: 'film', device: { platform: 'web', maxHeight: 1080, drm: ['clearkey'] } };

t.test('request validation names the field', async (t) => {
  t.same(parse(good), good);
  const msg = (body: unknown): string => {
    try {
      parse(body);
      return 'ok';
    } catch (err) {
      return `${(err as { status: number }).status} ${(err as Error).message}`;
    }
  };
  t.equal(msg({ ...good, titleId: undefined }), '400 Missing field titleId');
  t.equal(msg({ ...good, device: { platform: 'web' } }), '400 Missing field device.maxHeight');
  t.match(msg({ ...good, device: { ...good.device, maxHeight: 'big' } }), /^400 Field device\.maxHeight must be integer/);
  t.equal(msg({ ...good, colour: 1 }), '400 Unknown field colour');
  t.match(msg({ ...good, device: { ...good.device, drm: ['rot13'] } }), /^400 Field device\.drm\.0/);
  t.match(msg({ ...good, titleId: '../etc' }), /^400 Field titleId must match pattern/);
  t.match(msg(null), /^400 Field \(body\)/);
});

t.test('concurrent streams per profile, heartbeats keep sessions alive', async (t) => {
  let now = 0;
  let n = 0;
  const reg = new SessionRegistry({ limitPerProfile: () => 2, heartbeatTtlMs: 60_000, clock: () => now, newId: () => `s${++n}` });
  const exp = 3_600_000;
  const a = reg.start('p1', 'film', exp);
  const b = reg.start('p1', 'film', exp);
  t.throws(() => reg.start('p1', 'film', exp), { status: 429, code: 'concurrent_stream_limit' });
  t.ok(reg.start('p2', 'film', exp), 'other profiles are independent');
  now = 50_000;
  t.ok(reg.heartbeat(a.id));
  now = 100_000; // the second session went silent for 100 s
  t.equal(reg.activeFor('p1'), 1);
  const c = reg.start('p1', 'film', exp);
  t.ok(c, 'a slot frees up when a session stops heartbeating');
  t.equal(reg.admitMedia(b.id), 'over_limit', "the lapsed session's segments are refused while the profile plays its limit");
  t.throws(() => reg.heartbeat(b.id), { status: 429, code: 'concurrent_stream_limit' }, 'and so is its heartbeat');
  t.ok(reg.end(a.id));
  t.notOk(reg.heartbeat(a.id));
  t.equal(reg.admitMedia(a.id), 'ended', 'an ended session stays refused');
  t.equal(reg.admitMedia(b.id), 'live', 'the lapsed session is re-admitted once there is room');
  t.equal(reg.admitMedia('elsewhere'), 'unknown');
});

t.test('session records are bounded: expired tokens are swept, a flood pushes out the oldest', async (t) => {
  let now = 0;
  let n = 0;
  const reg = new SessionRegistry({ limitPerProfile: () => 3, heartbeatTtlMs: 60_000, clock: () => now, newId: () => `s${++n}`, maxSessions: 100 });
  for (let i = 0; i < 1000; i++) reg.start(`p${i}`, 'film', 10_000);
  t.equal(reg.size().sessions, 100, 'never more than maxSessions records');
  now = 20_000;
  for (let i = 0; i < 20; i++) reg.start(`q${i}`, 'film', 100_000);
  t.ok(reg.size().sessions < 100, `expired records swept as sessions start (${reg.size().sessions} left)`);
});

t.test('throughput history forgets the least recently measured profile past its bound', async (t) => {
  const h = new ThroughputHistory(3);
  for (const p of ['a', 'b', 'c']) h.record(p, 1000);
  h.record('a', 2000);
  h.record('d', 500);
  t.equal(h.size, 3);
  t.equal(h.medianKbps('b'), undefined, 'b was measured longest ago');
  t.equal(h.medianKbps('a'), 1500);
});

t.test('policy: lower ceiling, conservative start bitrate', async (t) => {
  const limits = { maxHeight: 720, maxBandwidth: 5_000_000, tokenTtlSec: 3600 };
  const p = decidePolicy({ ...good, device: { platform: 'tv', maxHeight: 1080 }, network: { downlinkKbps: 4000 } }, limits, 1000);
  t.equal(p.maxHeight, 720);
  t.equal(p.startBitrateKbps, 2000);
  t.equal(p.expiresAtSec, 4600);
  t.equal(decidePolicy({ ...good, device: { platform: 'phone', maxHeight: 360 } }, limits, 0).maxHeight, 360);
  t.equal(decidePolicy(good as never, limits, 0).startBitrateKbps, 800, 'no hints: default');
  t.equal(decidePolicy({ ...good, network: { downlinkKbps: 100_000 } } as never, limits, 0, 1000).startBitrateKbps, 700, 'history caps the hint');
});

t.test('CDN ranking: health first, then region, then order', async (t) => {
  const cdns: Cdn[] = [
    { id: 'a', baseUrl: 'https://a/', regions: ['eu'] },
    { id: 'b', baseUrl: 'https://b/', regions: ['us'] },
    { id: 'c', baseUrl: 'https://c/', regions: ['eu'] },
  ];
  const regions = new RegionMap({ '10.1.0.0/16': 'us', '127.0.0.0/8': 'eu', 'fd00::/8': 'us' });
  t.equal(regions.regionOf('10.1.2.3'), 'us');
  t.equal(regions.regionOf('::ffff:127.0.0.1'), 'eu');
  t.equal(regions.regionOf('fd00::1'), 'us');
  t.equal(regions.regionOf('192.0.2.1'), undefined);
  const up = (): 'up' => 'up';
  t.same(rankCdns(cdns, 'us', up).map((c) => c.id), ['b', 'a', 'c']);
  t.same(rankCdns(cdns, 'eu', up).map((c) => c.id), ['a', 'c', 'b']);
  t.same(rankCdns(cdns, 'eu', (id) => (id === 'a' ? 'down' : 'up')).map((c) => c.id), ['c', 'b', 'a']);
});
