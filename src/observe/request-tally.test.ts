import t from 'tap';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, RequestTally, type TalliedRequest } from './request-tally.js';

/** The same four metrics made of prom-client's own Counter and Histogram: the oracle. */
function promClientOracle(requests: TalliedRequest[]): Registry {
  const registry = new Registry();
  const reqs = new Counter({ name: 'h3edge_requests_total', help: 'Requests answered, by transport, route pattern, method, status and error code', labelNames: ['transport', 'route', 'method', 'status', 'code'], registers: [registry] });
  const bytes = new Counter({ name: 'h3edge_response_bytes_total', help: 'Response body bytes handed to the transports, by transport and route pattern', labelNames: ['transport', 'route'], registers: [registry] });
  const duration = new Histogram({ name: 'h3edge_request_duration_seconds', help: 'Time from request to the last byte handed to the transport, by transport, route pattern and status class', labelNames: ['transport', 'route', 'status_class'], buckets: [...DURATION_BUCKETS], registers: [registry] });
  const aborted = new Counter({ name: 'h3edge_aborted_responses_total', help: 'Responses the client abandoned before the last byte', labelNames: ['transport'], registers: [registry] });
  for (const r of requests) {
    const method = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'].includes(r.method) ? r.method : 'other';
    reqs.inc({ transport: r.transport, route: r.route, method, status: String(r.status), code: r.code });
    bytes.inc({ transport: r.transport, route: r.route }, r.bytes);
    duration.observe({ transport: r.transport, route: r.route, status_class: `${Math.floor(r.status / 100)}xx` }, r.seconds);
    if (r.aborted) aborted.inc({ transport: r.transport });
  }
  return registry;
}

function tallied(requests: TalliedRequest[]): Registry {
  const registry = new Registry();
  const tally = new RequestTally();
  tally.register(registry);
  for (const r of requests) tally.add(r);
  return registry;
}

/** A mix of transports, routes, statuses, methods, aborts and durations on every bucket edge. */
function traffic(seed: number): TalliedRequest[] {
  let s = seed;
  const rnd = (n: number): number => (s = (s * 1103515245 + 12345) % 2 ** 31) % n;
  const durations = [...DURATION_BUCKETS, 0, 0.0004, 0.003, 0.7, 12, 45];
  return Array.from({ length: 400 }, () => {
    const status = [200, 206, 304, 404, 416, 500][rnd(6)] as number;
    return {
      transport: ['h2', 'h3', 'http/1.1'][rnd(3)] as string,
      route: ['/content/*path', '/api/v1/playback', 'none'][rnd(3)] as string,
      method: ['GET', 'HEAD', 'POST', 'BREW', 'X-INVENTED'][rnd(5)] as string,
      status,
      code: status >= 400 ? (['not_found', 'range_not_satisfiable'][rnd(2)] as string) : '',
      bytes: rnd(100_000),
      seconds: durations[rnd(durations.length)] as number,
      aborted: rnd(7) === 0,
    };
  });
}

/**
 * The scrape's lines, sorted; `_sum` values rounded to 9 digits, as a sum added up per cell and
 * then per label set differs from one added up request by request in the last float digits.
 */
function lines(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (/_sum\{/.test(l) ? l.replace(/ ([\d.e+-]+)$/, (_, v: string) => ` ${Number(Number(v).toPrecision(9))}`) : l))
    .sort();
}

t.test('the scrape text is what prom-client Counter and Histogram write for the same requests', async (t) => {
  const requests = traffic(7);
  const expected = await promClientOracle(requests).metrics();
  const got = await tallied(requests).metrics();
  t.same(lines(got), lines(expected));
  t.match(got, /h3edge_requests_total\{transport="h\d",route="[^"]+",method="other",status="\d+",code="[^"]*"\} \d+/, 'invented methods count as other');
  t.notMatch(got, /method="(BREW|X-INVENTED)"/);
  t.match(got, /h3edge_request_duration_seconds_bucket\{le="0.001",transport="h2",route="\/content\/\*path",status_class="2xx"\} \d+/);
});

t.test("the cluster primary's aggregation sums the workers' tallies as it sums prom-client's metrics", async (t) => {
  const a = traffic(11);
  const b = traffic(23);
  const oracle = AggregatorRegistry.aggregate([await promClientOracle(a).getMetricsAsJSON(), await promClientOracle(b).getMetricsAsJSON()]);
  const ours = AggregatorRegistry.aggregate([await tallied(a).getMetricsAsJSON(), await tallied(b).getMetricsAsJSON()]);
  t.same(lines(await ours.metrics()), lines(await oracle.metrics()));
});

t.test('nothing counted, nothing written but the help and type lines', async (t) => {
  const text = await tallied([]).metrics();
  t.notMatch(text, /^h3edge_[a-z_]+(\{| )/m);
  t.match(text, /# TYPE h3edge_request_duration_seconds histogram/);
  t.match(text, /# TYPE h3edge_requests_total counter/);
});
