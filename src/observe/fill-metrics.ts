import { Counter, Gauge, type Registry } from 'prom-client';

/** What a fill run reports that these metrics count; the edge's fill summary satisfies it. */
export interface FillRunCounts {
  filesDownloaded: number;
  filesPresent: number;
  filesResumed: number;
  filesFailed: number;
  downloadedBytes: number;
}

/** Counters of the scheduled fill; `record` is called once per run. */
export function registerFillMetrics(registry: Registry): (result: string, summary: FillRunCounts | null) => void {
  const runs = new Counter({ name: 'h3edge_fill_runs_total', help: 'Scheduled fill runs by result (complete, incomplete, failed)', labelNames: ['result'] as const, registers: [registry] });
  const files = new Counter({ name: 'h3edge_fill_files_total', help: 'Files a fill run handled, by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const bytes = new Counter({ name: 'h3edge_fill_downloaded_bytes_total', help: 'Bytes downloaded by fill runs', registers: [registry] });
  const last = new Gauge({
    name: 'h3edge_fill_last_complete_timestamp_seconds',
    help: 'When the last complete fill run ended',
    registers: [registry],
    aggregator: 'max',
  });
  return (result, summary) => {
    runs.inc({ result });
    if (!summary) return;
    files.inc({ outcome: 'downloaded' }, summary.filesDownloaded);
    files.inc({ outcome: 'present' }, summary.filesPresent);
    files.inc({ outcome: 'resumed' }, summary.filesResumed);
    files.inc({ outcome: 'failed' }, summary.filesFailed);
    bytes.inc(summary.downloadedBytes);
    if (result === 'complete') last.setToCurrentTime();
  };
}
