import t from 'tap';
import { startTestServer } from './helpers/server.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestMedia } from './helpers/media.js';

const media = makeTestMedia();
const server = await startTestServer({ media: media.dir });
t.teardown(() => server.close());

t.test('/metrics counts requests and bytes per transport', async (t) => {
  const h2 = await h2Client(server.origin, server.certs.cert);
  const h3 = await h3Client(server.origin, server.certs.cert);
  t.teardown(async () => {
    await h2.close();
    await h3.close();
  });
  await h2.request('/content/demo/v/init.mp4');
  await h3.request('/content/demo/v/init.mp4');
  await h3.request('/content/demo/missing.m4s');
  await h2.request('/nowhere/at/all');
  const r = await h2.request('/metrics');
  t.equal(r.status, 200);
  t.match(r.headers['content-type'], /^text\/plain/);
  const text = r.body.toString();
  t.match(text, /h3edge_requests_total\{transport="h2",route="\/content\/\*path",method="GET",status="200",code=""\} 1/);
  t.match(text, /h3edge_requests_total\{transport="h3",route="\/content\/\*path",method="GET",status="200",code=""\} 1/);
  t.match(text, /h3edge_requests_total\{transport="h3",route="\/content\/\*path",method="GET",status="404",code="not_found"\} 1/);
  t.match(text, /h3edge_requests_total\{transport="h2",route="none",method="GET",status="404",code="not_found"\} 1/, 'a path no route takes is labelled none, not by its path');
  t.notMatch(text, /route="\/nowhere/);
  const h3Bytes = Number(/h3edge_response_bytes_total\{transport="h3",route="\/content\/\*path"\} (\d+)/.exec(text)?.[1]);
  t.ok(h3Bytes >= 1500, 'h3 bytes include the init segment');
  t.match(text, /h3edge_request_duration_seconds_bucket\{le="0.001",transport="h3",route="\/content\/\*path",status_class="2xx"\}/);
  t.match(text, /h3edge_process_cpu_seconds_total/);
});

t.test('methods a client invents count as method="other": they cannot grow the request series', async (t) => {
  const own = await startTestServer({ media: media.dir });
  t.teardown(() => own.close());
  const h2 = await h2Client(own.origin, own.certs.cert);
  t.teardown(() => h2.close());
  const seriesOf = async (): Promise<string[]> => (await own.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('h3edge_requests_total{'));
  await h2.request('/content/demo/v/init.mp4');
  const before = await seriesOf();
  const invented = Array.from({ length: 60 }, (_, i) => `X-INVENTED-${i}`);
  const statuses = await Promise.all(invented.map(async (method) => (await h2.request('/content/demo/v/init.mp4', { method })).status));
  t.ok(statuses.every((s) => s === 405), `every invented method answered 405 (${[...new Set(statuses)].join(', ')})`);
  const after = await seriesOf();
  t.notMatch(after.join('\n'), /X-INVENTED/, 'no series names an invented method');
  t.ok(after.length - before.length <= 1, `at most one new series (${before.length} → ${after.length})`);
  t.match(after.join('\n'), /h3edge_requests_total\{transport="h2",route="none",method="other",status="405",code="method_not_allowed"\} 60/, 'all sixty under method="other"');
});
