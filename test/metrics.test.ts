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
