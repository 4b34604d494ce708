import t from 'tap';
import fc from 'fast-check';
import { evaluateRange, DEFAULT_RANGE_POLICY } from '../src/http/ranges.js';
import { parsePriority } from '../src/priority/priority.js';
import { resolveInside } from '../src/http/safe-path.js';
import { HttpError } from '../src/http/errors.js';
import { validatePartial } from '../src/config/validate.js';
import { ConfigError } from '../src/config/errors.js';
import { verifyToken, signToken } from '../src/playback/token.js';
import { keySetFromJson } from '../src/playback/keyset.js';
import { rewriteHlsMaster } from '../src/media/rewrite/hls-master.js';
import { startTestServer } from './helpers/server.js';
import { h2Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';

const RUNS = 3000;
const rangeText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(fc.tuple(fc.option(fc.nat(5000)), fc.option(fc.nat(5000))), { minLength: 1, maxLength: 40 }).map(
    (specs) => `bytes=${specs.map(([a, b]) => `${a ?? ''}-${b ?? ''}`).join(',')}`,
  ),
);

t.test('range evaluator: any outcome is inside the file, sorted, disjoint and bounded', async (t) => {
  fc.assert(
    fc.property(rangeText, fc.nat(4000), (field, size) => {
      const out = evaluateRange(field, size);
      if (out.kind !== 'partial') return true;
      if (out.ranges.length === 0 || out.ranges.length > DEFAULT_RANGE_POLICY.maxRanges) return false;
      return out.ranges.every((r, i) => r.start >= 0 && r.end < size && r.start <= r.end && (i === 0 || r.start > (out.ranges[i - 1]?.end ?? -1) + 1));
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('range evaluator agrees with a reference model for one range', async (t) => {
  fc.assert(
    fc.property(fc.option(fc.nat(3000)), fc.option(fc.nat(3000)), fc.integer({ min: 1, max: 3000 }), (a, b, size) => {
      const out = evaluateRange(`bytes=${a ?? ''}-${b ?? ''}`, size);
      if (a === null && b === null) return out.kind === 'full';
      if (a === null) {
        const n = b as number;
        return n === 0 ? out.kind === 'unsatisfiable' : out.kind === 'partial' && out.ranges[0]?.start === Math.max(0, size - n) && out.ranges[0]?.end === size - 1;
      }
      if (b !== null && b < a) return out.kind === 'full';
      if (a >= size) return out.kind === 'unsatisfiable';
      return out.kind === 'partial' && out.ranges[0]?.start === a && out.ranges[0]?.end === Math.min(b ?? size - 1, size - 1);
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('priority parser never throws and keeps urgency 0-7', async (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (v) => {
      const p = parsePriority(v);
      return p === null || (Number.isInteger(p.urgency) && p.urgency >= 0 && p.urgency <= 7 && typeof p.incremental === 'boolean');
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('path resolver: anything accepted lies strictly inside the root; the rest is an HttpError', async (t) => {
  const root = '/srv/media';
  const segment = fc.oneof(fc.constantFrom('..', '.', '%2e%2e', '%2E%2e', '..%2f', '%00', '%5c', '%252e', 'a', 'b.m4s', '', '%'), fc.string({ maxLength: 8 }));
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 6 }), (segs) => {
      try {
        const abs = resolveInside(root, segs.join('/'));
        return abs.startsWith(`${root}/`) && !abs.includes('/../') && !abs.includes('\0');
      } catch (err) {
        return err instanceof HttpError && (err.status === 400 || err.status === 404);
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('config validator: arbitrary JSON is either valid or a ConfigError', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      try {
        validatePartial(v, 'fuzz');
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      } catch (err) {
        return err instanceof ConfigError;
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('token verifier: mutated tokens are 403s, never accepted, never a crash', async (t) => {
  const keys = keySetFromJson({ current: 'k', keys: { k: Buffer.alloc(32, 9).toString('base64') } }, 'fuzz');
  const good = signToken({ tid: 'film', sid: 's', exp: 2e9, maxH: 720, maxBw: 1e7, api: 'a' }, keys);
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.string({ minLength: 1, maxLength: 3 }), (at, insert) => {
      const mutated = good.slice(0, at) + insert + good.slice(at + 1);
      if (mutated === good) return true;
      try {
        verifyToken(mutated, 'film', keys, 1000);
        return false;
      } catch (err) {
        return err instanceof HttpError && err.status === 403;
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('manifest rewriter: never throws, never adds variants', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant('#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=640x360'), fc.constant('v.m3u8'), fc.string({ maxLength: 40 })), { maxLength: 30 }), fc.nat(2160), (lines, h) => {
      const text = ['#EXTM3U', ...lines].join('\n');
      const out = rewriteHlsMaster(text, { maxHeight: h, maxBandwidth: 1e9 });
      const count = (s: string) => (s.match(/#EXT-X-STREAM-INF/g) ?? []).length;
      return count(out) <= count(text);
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} cases`);
});

t.test('the whole server: random paths and fields never get a 500', async (t) => {
  const media = makeTestMedia();
  const server = await startTestServer({ media: media.dir, logLevel: 'warn' });
  t.teardown(() => server.close());
  const client = await h2Client(server.origin, server.certs.cert);
  t.teardown(() => client.close());
  const pathChars = fc.constantFrom(...'abc./%2e5cf0-_~?=&'.split(''), '/content/', '/t/', '/v1/', 'demo/', '%00', '%ff');
  await fc.assert(
    fc.asyncProperty(
      fc.array(pathChars, { maxLength: 20 }).map((a) => `/${a.join('')}`),
      fc.constantFrom('GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE'),
      fc.record({ range: fc.option(rangeText, { nil: undefined }), priority: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), 'if-range': fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }),
      async (path, method, fields) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(fields)) if (v !== undefined && /^[\x20-\x7e]*$/.test(v)) headers[k] = v;
        const r = await client.request(path, { method, headers });
        return r.status < 500;
      },
    ),
    { numRuns: Number(process.env.H3EDGE_FUZZ_RUNS ?? 1500) },
  );
  t.equal((await client.request('/healthz')).status, 200, 'still up');
  t.notOk(server.logs.some((l) => l.msg === 'request failed'), 'no unexpected failure was logged');
});

t.test('config keys named like Object.prototype members are unknown keys (found by the fuzzer)', async (t) => {
  for (const text of ['{"__proto__":""}', '{"toString":1}', '{"constructor":{}}']) {
    t.throws(() => validatePartial(JSON.parse(text), 'fuzz'), ConfigError, text);
  }
});
