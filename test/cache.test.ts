import t, { type Test } from 'tap';
import { renameSync, rmSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadMmap } from '../src/native/mmap.js';
import { SegmentCache } from '../src/cache/segment-cache.js';
import { CachedStore } from '../src/content/cached-store.js';
import { NotFound } from '../src/http/errors.js';
import { scratchDir } from './helpers/scratch.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const dir = scratchDir('h3edge-cache-');
const write = (name: string, bytes: Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

t.test('the addon maps files byte-exact and reports errors with errno codes', async (t) => {
  const loaded = loadMmap();
  if (!('addon' in loaded)) throw loaded.error;
  const { addon } = loaded;
  for (const size of [0, 1, 4095, 4096, 4097, 3 * 1024 * 1024]) {
    const bytes = randomBytes(size);
    const m = addon.mapFile(write(`sized-${size}`, bytes));
    t.equal(m.size, size);
    t.ok(m.buffer.equals(bytes), `${size} bytes identical to the file`);
  }
  t.throws(() => addon.mapFile(join(dir, 'absent')), { code: 'ENOENT' });
  t.throws(() => addon.mapFile(dir), { code: 'EISDIR' });
  t.throws(() => addon.advise(Buffer.alloc(1), 'sideways' as 'random'), /unknown advice/);
});

/** Process-wide mapped bytes after up to 20 GC rounds, stopping early once `excess()` ≤ 0. */
async function collectedMappedBytes(excess: () => number): Promise<number> {
  const loaded = loadMmap();
  if (!('addon' in loaded)) throw loaded.error;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
    if (excess() <= 0) break;
  }
  return loaded.addon.mappedBytes();
}

/** The same behaviour, mapped and read. */
function cacheSuite(mode: 'mmap' | 'read'): (t: Test) => Promise<void> {
  return async (t) => {
    const forceReadFallback = mode === 'read';
    const make = (budgetBytes: number) => new SegmentCache({ budgetBytes, forceReadFallback, onWarning: () => t.fail('no warning expected') });

    t.test('10,000 random ranges are byte-exact', async (t) => {
      const bytes = randomBytes(2 * 1024 * 1024 + 17);
      const p = write(`ranges-${mode}`, bytes);
      const cache = make(64 * 1024 * 1024);
      const f = await cache.get(p);
      t.equal(f.mapped, mode === 'mmap');
      let bad = 0;
      for (let i = 0; i < 10_000; i++) {
        const start = Math.floor(Math.random() * bytes.length);
        const end = Math.min(bytes.length - 1, start + Math.floor(Math.random() * 300_000));
        if (!f.body.subarray(start, end + 1).equals(bytes.subarray(start, end + 1))) bad++;
      }
      t.equal(bad, 0);
      t.equal(cache.stats().mode, mode);
    });

    t.test('a file replaced by rename: held slices keep the old bytes, the next get sees the new file', async (t) => {
      const oldBytes = randomBytes(500_000);
      const newBytes = randomBytes(400_000);
      const p = write(`replaced-${mode}`, oldBytes);
      const cache = make(64 * 1024 * 1024);
      const first = await cache.get(p);
      const held = first.body.subarray(1000, 300_000);
      writeFileSync(`${p}.next`, newBytes);
      renameSync(`${p}.next`, p);
      const next = await cache.get(p);
      t.ok(held.equals(oldBytes.subarray(1000, 300_000)), 'in-flight slice unchanged');
      t.ok(next.body.equals(newBytes), 'new requests get the new file');
      t.not(next.ino, first.ino, 'the identity returned is the new inode');
      t.equal(await cache.get(p), next, 'an unchanged file is the same version object');
    });

    t.test('truncated and deleted files are noticed, never read past their end', async (t) => {
      const bytes = randomBytes(300_000);
      const p = write(`shrinking-${mode}`, bytes);
      const cache = make(64 * 1024 * 1024);
      const before = await cache.get(p);
      truncateSync(p, 1000);
      const after = await cache.get(p);
      t.equal(after.size, 1000);
      t.equal(after.body.length, 1000);
      t.equal(after.ino, before.ino, 'truncated in place: same inode, a new version');
      t.not(after, before);
      rmSync(p);
      await t.rejects(cache.get(p), { code: 'ENOENT' });
    });

    t.test('the byte budget holds', async (t) => {
      const budget = 1024 * 1024;
      // Mappings other tests still hold are not this cache's: measure from here.
      const baseline = mode === 'mmap' ? await collectedMappedBytes(() => 0) : 0;
      const cache = make(budget);
      for (let i = 0; i < 40; i++) {
        await cache.get(write(`budget-${mode}-${i}`, randomBytes(100_000 + i * 1000)));
        t.ok(cache.stats().cachedBytes <= budget, `after file ${i}: ${cache.stats().cachedBytes} ≤ ${budget}`);
      }
      t.ok(cache.stats().evictions > 0);
      const huge = await cache.get(write(`huge-${mode}`, randomBytes(budget + 1)));
      t.equal(huge.mapped, false, 'a file over the whole budget is read, not mapped');
      t.ok(cache.stats().cachedBytes <= budget);
      if (mode === 'mmap') {
        // Evicted mappings are released by the garbage collector; give it a few bounded rounds.
        const mine = (await collectedMappedBytes(() => cache.stats().mappedBytes - baseline - budget)) - baseline;
        t.ok(mine <= budget, `mapped bytes after collection ${mine} ≤ budget ${budget}`);
      }
    });

    t.test('the entry cap holds (each file is a mapping: the process has a limited number)', async (t) => {
      const cache = new SegmentCache({ budgetBytes: 64 * 1024 * 1024, forceReadFallback, maxEntries: 3, onWarning: () => t.fail('no warning expected') });
      const paths = Array.from({ length: 5 }, (_, i) => write(`capped-${mode}-${i}`, randomBytes(1000 + i)));
      for (const p of paths) await cache.get(p);
      t.match(cache.stats(), { entries: 3, maxEntries: 3, evictions: 2 }, 'the two least recently used were evicted');
      t.equal((await cache.get(paths[0] as string)).size, 1000, 'an evicted file is loaded again when asked for');
      t.equal(cache.stats().entries, 3);
    });

    t.test('100 concurrent misses load the file once', async (t) => {
      const p = write(`collapse-${mode}`, randomBytes(200_000));
      const cache = make(64 * 1024 * 1024);
      const files = await Promise.all(Array.from({ length: 100 }, () => cache.get(p)));
      t.equal(cache.stats().misses, 1);
      t.equal(cache.stats().hits + cache.stats().collapsed, 99);
      t.ok(files.every((f) => f.body === files[0]?.body), 'every caller got the same bytes');
    });

    t.test('a directory is a typed error', async (t) => {
      mkdirSync(join(dir, `d-${mode}`), { recursive: true });
      await t.rejects(make(1024).get(join(dir, `d-${mode}`)), { code: 'EISDIR' });
    });
  };
}

t.test('mmap mode', cacheSuite('mmap'));
t.test('read fallback', cacheSuite('read'));

t.test('content from the cache: one ETag per file version, a new one when the file is replaced or rewritten', async (t) => {
  const store = new CachedStore(new SegmentCache({ budgetBytes: 64 * 1024 * 1024 }));
  const p = write('versions', randomBytes(100_000));
  const first = await store.open(p);
  t.match(first.etag, /^"[0-9a-z]+-[0-9a-z]+-[0-9a-z]+-[0-9a-z]+"$/);
  t.equal(await store.open(p), first, 'an unchanged file: the same view, its ETag made once');
  writeFileSync(`${p}.next`, randomBytes(100_000));
  renameSync(`${p}.next`, p);
  const renamed = await store.open(p);
  t.not(renamed.etag, first.etag, 'replaced by rename (same size): new ETag');
  truncateSync(p, 50_000);
  const truncated = await store.open(p);
  t.not(truncated.etag, renamed.etag, 'truncated in place: new ETag');
  t.equal(truncated.size, 50_000);
  t.equal((truncated.read() as Buffer).length, 50_000);
  await t.rejects(store.open(join(dir, 'absent')), NotFound);
});
