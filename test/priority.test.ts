import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client, type ProtocolClient, type SimpleResponse } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';

// RFC 9218 on one connection: a manifest (server default u=0) overtakes 4 bulk segment
// downloads (u=3); the same manifest marked u=7 by the client waits behind them.
const BULK = 4;
const BULK_BYTES = 24 * 1024 * 1024;
const media = makeTestMedia();
for (let i = 0; i < BULK; i++) writeFileSync(join(media.dir, `demo/v/seg-${100 + i}.m4s`), randomBytes(BULK_BYTES));
const server = await startTestServer({ media: media.dir, logLevel: 'warn' });
t.teardown(() => server.close());

interface Finished {
  name: string;
  res: SimpleResponse;
}

async function manifestUnderLoad(client: ProtocolClient, manifestHeaders: Record<string, string>): Promise<{ order: string[]; manifest: SimpleResponse }> {
  const order: string[] = [];
  const track = (name: string, p: Promise<SimpleResponse>): Promise<Finished> =>
    p.then((res) => {
      order.push(name);
      return { name, res };
    });
  let underWay: () => void = () => {};
  const firstHead = new Promise<void>((resolve) => (underWay = resolve));
  const onHeaders = (): void => underWay();
  const bulks = Array.from({ length: BULK }, (_, i) => track(`bulk${i}`, client.request(`/content/demo/v/seg-${100 + i}.m4s`, { onHeaders })));
  // The bulk responses are under way (the first head arrived; nghttp3 sends a stream's head in
  // its scheduling turn, so the others may still wait) before the manifest is asked for.
  await firstHead;
  const manifest = await track('manifest', client.request('/content/demo/master.m3u8', { headers: manifestHeaders }));
  const done = await Promise.all(bulks);
  for (const d of done) if (d.res.body.length !== BULK_BYTES) throw new Error(`${d.name} short: ${d.res.body.length}`);
  return { order, manifest: manifest.res };
}

for (const connect of [h2Client, h3Client]) {
  const proto = connect === h2Client ? 'h2' : 'h3';
  t.test(`${proto}: manifest overtakes bulk segments; u=7 waits behind them`, async (t) => {
    const client = await connect(server.origin, server.certs.cert);
    t.teardown(() => client.close());
    const idle = await client.request('/content/demo/master.m3u8');
    const idleTtfbMs = idle.timings.firstByte - idle.timings.start;

    const urgent = await manifestUnderLoad(client, {});
    t.equal(urgent.order[0], 'manifest', `manifest completes first (order: ${urgent.order.join(' ')})`);
    const loadedTtfbMs = urgent.manifest.timings.firstByte - urgent.manifest.timings.start;
    t.comment(`${proto} manifest TTFB idle ${idleTtfbMs.toFixed(2)} ms, under ${BULK} bulk downloads ${loadedTtfbMs.toFixed(2)} ms`);

    const lazy = await manifestUnderLoad(client, { priority: 'u=7' });
    const before = lazy.order.indexOf('manifest');
    // Not BULK: a body source that stalls (a busy machine) yields its turn by design.
    t.ok(before >= BULK / 2, `client's u=7 is honoured: manifest finishes after ≥${BULK / 2} bulk responses (order: ${lazy.order.join(' ')})`);
  });
}
