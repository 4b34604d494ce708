import { Counter, Histogram, type Registry } from 'prom-client';
import type { CompletedRequest } from '../http/core.js';
import type { Exchange } from '../http/exchange.js';
import { CMCD_KEYS_READ } from '../cmcd/cmcd-request.js';

/** How a request is labelled: its title's class (catalog type) and the CDN it reached. Both bounded sets, never a session. */
export interface CmcdLabels {
  /** `film`, `episode`, … from the catalog; `unknown` when the title is not in it. */
  titleClass: (ex: Exchange) => string;
  /** The configured CDN id the request reached; `none` without one. */
  cdn: (ex: Exchange) => string;
}

/**
 * Quality of experience as players report it in CMCD on every media request (CTA-5004), beside
 * the beacons of our own web player: buffer lengths, measured throughput, how long startup
 * requests (`su`) took, buffer starvations (`bs`); and how requests carried CMCD and which values
 * were ignored. Labels are the title's class and the CDN, never a session or a title.
 */
export class CmcdMetrics {
  private readonly requests: Counter<'transmission'>;
  private readonly invalid: Counter<'key'>;
  private readonly bufferLength: Histogram<'title_class' | 'cdn'>;
  private readonly throughput: Histogram<'title_class' | 'cdn'>;
  private readonly startup: Histogram<'title_class' | 'cdn'>;
  private readonly starvation: Counter<'title_class' | 'cdn'>;
  private readonly knownKeys = new Set([...CMCD_KEYS_READ, 'malformed']);

  constructor(
    registry: Registry,
    private readonly labels: CmcdLabels,
  ) {
    const registers = [registry];
    const labelNames = ['title_class', 'cdn'] as const;
    this.requests = new Counter({ name: 'h3edge_cmcd_requests_total', help: 'Requests carrying CMCD, by transmission (query, headers, both)', labelNames: ['transmission'] as const, registers });
    this.invalid = new Counter({
      name: 'h3edge_cmcd_invalid_values_total',
      help: 'CMCD values ignored because CTA-5004 does not allow them, by key (malformed: a field that did not parse)',
      labelNames: ['key'] as const,
      registers,
    });
    this.bufferLength = new Histogram({
      name: 'h3edge_cmcd_buffer_length_seconds',
      help: 'Buffer length players reported (CMCD bl) on media requests',
      labelNames,
      buckets: [0.5, 1, 2, 4, 8, 12, 16, 20, 30, 45, 60, 120],
      registers,
    });
    this.throughput = new Histogram({
      name: 'h3edge_cmcd_measured_throughput_bytes_per_second',
      help: 'Throughput players measured (CMCD mtp), bytes per second (0.25 to 256 Mbit/s in buckets)',
      labelNames,
      buckets: [31_250, 62_500, 125_000, 250_000, 500_000, 1e6, 2e6, 4e6, 8e6, 16e6, 32e6],
      registers,
    });
    this.startup = new Histogram({
      name: 'h3edge_cmcd_startup_request_seconds',
      help: 'Time to the last byte of requests players marked as needed for startup, a seek or recovery (CMCD su)',
      labelNames,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8],
      registers,
    });
    this.starvation = new Counter({ name: 'h3edge_cmcd_buffer_starvations_total', help: 'Requests whose player reported an empty buffer since its last request (CMCD bs)', labelNames, registers });
  }

  /** Records one completed request; called with every completion, it ignores those without CMCD. */
  observe(done: CompletedRequest): void {
    const reading = done.exchange.cmcd;
    if (!reading) return;
    this.requests.inc({ transmission: reading.transmission });
    for (const key of reading.invalid) this.invalid.inc({ key: this.knownKeys.has(key) ? key : 'other' });
    const d = reading.data;
    if (d.bl === undefined && d.mtp === undefined && !d.su && !d.bs) return;
    const labels = { title_class: this.labels.titleClass(done.exchange), cdn: this.labels.cdn(done.exchange) };
    if (d.bl !== undefined) this.bufferLength.observe(labels, d.bl / 1000);
    if (d.mtp !== undefined) this.throughput.observe(labels, (d.mtp * 1000) / 8);
    if (d.su && !done.completion.aborted) this.startup.observe(labels, done.seconds);
    if (d.bs) this.starvation.inc(labels);
  }
}

/**
 * The CDN a request reached, among the configured ones: the one its CMCD `cdn` names, else the
 * one whose base URL has the request's authority; `none` otherwise.
 */
export function cdnOfRequest(cdns: ReadonlyArray<{ id: string; baseUrl: string }>): (ex: Exchange) => string {
  const byAuthority = new Map(cdns.map((c) => [new URL(c.baseUrl).host, c.id]));
  const ids = new Set(cdns.map((c) => c.id));
  return (ex) => {
    const named = ex.cmcd?.data.cdn;
    if (named !== undefined && ids.has(named)) return named;
    return byAuthority.get(ex.authority.toLowerCase()) ?? 'none';
  };
}
