import type { Metric, MetricValueWithName, Registry } from 'prom-client';

/** Upper bounds (seconds) of `h3edge_request_duration_seconds`. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Methods that get their own `method` label; any other token a client sends counts as `other`,
 * so a client cannot grow the metrics (and this process) by inventing methods.
 */
const NAMED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']);

/** One finished request as the request metrics count it. */
export interface TalliedRequest {
  transport: string;
  /** The route pattern that answered, or `none`. */
  route: string;
  method: string;
  status: number;
  /** The error code of an error reply, '' otherwise. */
  code: string;
  bytes: number;
  seconds: number;
  aborted: boolean;
}

/** The running totals of one (transport, route, method, status, code). */
interface Cell {
  readonly transport: string;
  readonly route: string;
  readonly method: string;
  readonly status: number;
  readonly code: string;
  requests: number;
  bytes: number;
  aborted: number;
  durationSum: number;
  /** Requests per duration bucket (not cumulative); the last slot is above the largest bound. */
  readonly durations: Float64Array;
}

/**
 * The four request metrics (`h3edge_requests_total`, `_response_bytes_total`,
 * `_request_duration_seconds`, `_aborted_responses_total`), counted per (transport, route,
 * method, status, code) — the finest label set among them — with one Map lookup and a few
 * additions per request, and rolled up into each metric's own labels only when scraped.
 * prom-client's Counter and Histogram build, validate and hash a label object on every call;
 * three such calls per request were an eighth of the HTTP/3 engine's CPU on small objects.
 * The scrape sees what prom-client's own metrics would give (its formatter, its cluster
 * aggregation). Cells live as long as the registry; their number is bounded by the label values
 * (route patterns, statuses, error codes, NAMED_METHODS).
 */
export class RequestTally {
  private readonly cells = new Map<string, Cell>();

  /** Counts one request; never throws. */
  add(r: TalliedRequest): void {
    const method = NAMED_METHODS.has(r.method) ? r.method : 'other';
    const key = `${r.transport} ${r.route} ${method} ${r.status} ${r.code}`;
    let cell = this.cells.get(key);
    if (cell === undefined) {
      cell = { transport: r.transport, route: r.route, method, status: r.status, code: r.code, requests: 0, bytes: 0, aborted: 0, durationSum: 0, durations: new Float64Array(DURATION_BUCKETS.length + 1) };
      this.cells.set(key, cell);
    }
    cell.requests++;
    cell.bytes += r.bytes;
    if (r.aborted) cell.aborted++;
    if (Number.isFinite(r.seconds)) {
      cell.durationSum += r.seconds;
      let i = 0;
      while (i < DURATION_BUCKETS.length && r.seconds > (DURATION_BUCKETS[i] as number)) i++;
      cell.durations[i] = (cell.durations[i] ?? 0) + 1;
    }
  }

  /** Registers the four metrics with `registry` (prom-client formats and aggregates them as its own). */
  register(registry: Registry): void {
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValueWithName<string>[]): void => {
      const m = {
        name,
        help,
        type,
        aggregator: 'sum' as const,
        get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
        reset: () => this.cells.clear(),
      };
      // prom-client's Registry takes any object of this shape: its get() is what the registry
      // formats, serialises for the cluster primary and aggregates there, as for prom-client's own
      // metrics (whose declared `type` is an enum although the objects carry these strings).
      registry.registerMetric(m as unknown as Metric);
    };
    metric('h3edge_requests_total', 'Requests answered, by transport, route pattern, method, status and error code', 'counter', () =>
      [...this.cells.values()].map((c) => ({ labels: { transport: c.transport, route: c.route, method: c.method, status: String(c.status), code: c.code }, value: c.requests })),
    );
    metric('h3edge_response_bytes_total', 'Response body bytes handed to the transports, by transport and route pattern', 'counter', () =>
      this.rollUp((c) => ({ transport: c.transport, route: c.route })).map(({ labels, cells }) => ({ labels, value: sum(cells, (c) => c.bytes) })),
    );
    metric('h3edge_request_duration_seconds', 'Time from request to the last byte handed to the transport, by transport, route pattern and status class', 'histogram', () =>
      this.rollUp((c) => ({ transport: c.transport, route: c.route, status_class: `${Math.floor(c.status / 100)}xx` })).flatMap(({ labels, cells }) => histogramValues('h3edge_request_duration_seconds', labels, cells)),
    );
    metric('h3edge_aborted_responses_total', 'Responses the client abandoned before the last byte', 'counter', () =>
      this.rollUp((c) => ({ transport: c.transport }))
        .filter(({ cells }) => cells.some((c) => c.aborted > 0))
        .map(({ labels, cells }) => ({ labels, value: sum(cells, (c) => c.aborted) })),
    );
  }

  /** The cells grouped by the labels `labelsOf` gives them. */
  private rollUp(labelsOf: (c: Cell) => Record<string, string>): Array<{ labels: Record<string, string>; cells: Cell[] }> {
    const groups = new Map<string, { labels: Record<string, string>; cells: Cell[] }>();
    for (const c of this.cells.values()) {
      const labels = labelsOf(c);
      const key = Object.values(labels).join(' ');
      const g = groups.get(key);
      if (g) g.cells.push(c);
      else groups.set(key, { labels, cells: [c] });
    }
    return [...groups.values()];
  }
}

function sum(cells: Cell[], of: (c: Cell) => number): number {
  let total = 0;
  for (const c of cells) total += of(c);
  return total;
}

/** A histogram's series for one label set, as prom-client writes them: cumulative buckets, +Inf, _sum, _count. */
function histogramValues(name: string, labels: Record<string, string>, cells: Cell[]): MetricValueWithName<string>[] {
  const out: MetricValueWithName<string>[] = [];
  let cumulative = 0;
  for (let i = 0; i < DURATION_BUCKETS.length; i++) {
    cumulative += sum(cells, (c) => c.durations[i] as number);
    out.push({ labels: { le: DURATION_BUCKETS[i] as number, ...labels }, value: cumulative, metricName: `${name}_bucket` });
  }
  const count = cumulative + sum(cells, (c) => c.durations[DURATION_BUCKETS.length] as number);
  out.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` });
  out.push({ labels, value: sum(cells, (c) => c.durationSum), metricName: `${name}_sum` });
  out.push({ labels, value: count, metricName: `${name}_count` });
  return out;
}
