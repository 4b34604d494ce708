import t from 'tap';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from './helpers/server.js';
import { h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';
import { heapAfterGc } from './helpers/heap.js';
import { KEPT_ANSWER_MS } from '../src/http/kept-answers.js';

// The HTTP/3 engine's kept answers (test/h3-kept-answers.test.ts) hold the core's record and the
// body's Buffer while they live: heap after a forced GC across many answers, in a process of its
// own so that nothing else the heap holds changes meanwhile.
const media = makeTestMedia();
mkdirSync(join(media.dir, 'kept'), { recursive: true });

t.test('kept answers leave the heap as it was: each is freed once its second is over and its streams closed', async (t) => {
  for (const n of [0, 1]) writeFileSync(join(media.dir, `kept/heap-${n}.m3u8`), randomBytes(1000 + n));
  const own = await startTestServer({ media: media.dir, logLevel: 'warn' });
  t.teardown(() => own.close());
  const h3 = await h3Client(own.origin, own.certs.cert);
  t.teardown(() => h3.close());
  const count = 3000;
  const cycle = async (): Promise<void> => {
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, k) => h3.request(`/content/kept/heap-${(i + k) % 2}.m3u8`)));
      if (batch.some((r) => r.status !== 200)) throw new Error('not 200');
    }
  };
  const answeredSoFar = async (): Promise<number> => Number(/h3edge_quic_kept_answers_total\{engine="native"\} (\d+)/.exec(await own.metrics.registry.metrics())?.[1] ?? 0);
  const start = await answeredSoFar();
  // Warm-up as long as the measure: compiled code, inline caches and pools grow for a while.
  await cycle();
  await cycle();
  // The second's answers expire and are replaced: what they held must go with them.
  await new Promise((r) => setTimeout(r, KEPT_ANSWER_MS + 100));
  const before = heapAfterGc();
  await cycle();
  await new Promise((r) => setTimeout(r, KEPT_ANSWER_MS + 100));
  await cycle();
  const perRequest = (heapAfterGc() - before) / (2 * count);
  const answered = (await answeredSoFar()) - start;
  t.ok(answered > 3.5 * count, `${answered} of ${4 * count} answered by the engine`);
  // Noise here is about ±150 bytes per request; a kept record or exchange held per answer is over 500.
  t.ok(perRequest < 300, `heap after GC grew ${perRequest.toFixed(1)} bytes per request (< 300)`);
});
