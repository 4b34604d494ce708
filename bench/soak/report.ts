// The soak's report: JSON with every sample, a markdown table and an SVG of memory over requests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from '../common/machine.js';
import { renderSvg, type TopLevelSpec } from '../page/vega.js';
import type { SoakResult } from './soak.js';

/** Goals the issue set for a soak: what the report checks the run against. */
export const SOAK_GOALS = { heapSlopeBytesPerRequest: 1, rssSpreadPercent: 20 } as const;

function version(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unavailable';
  }
}

/** JSON, markdown and an SVG of heap and RSS over requests. */
export async function writeSoakReport(out: string, settings: object, result: SoakResult): Promise<void> {
  mkdirSync(out, { recursive: true });
  const doc = {
    settings,
    goals: SOAK_GOALS,
    versions: { node: process.version, h2load: version('h2load', ['--version']), gtlsclient: version('dpkg-query', ['-W', '-f=${Version}', 'ngtcp2-client']) },
    machine: machine(),
    ...result,
  };
  writeFileSync(join(out, 'soak.json'), `${JSON.stringify(doc, null, 2)}\n`);
  const a = result.analysis;
  const last = result.samples[result.samples.length - 1];
  const md = [
    '# Soak',
    '',
    `${last?.totalRequests ?? 0} requests in ${last?.tSec ?? 0} s (h2 ${last?.requests.h2}, http/1.1 ${last?.requests.http1}, ranges ${last?.requests.ranges}, API ${last?.requests.api}, h3 ${last?.requests.h3}); ${result.samples.length} samples, the first ${a.warmUpSamples} before warm-up ended.`,
    '',
    '| measure | value | goal |',
    '| --- | ---: | ---: |',
    `| heap slope after GC, bytes per request | ${a.heapSlopeBytesPerRequest} | < ${SOAK_GOALS.heapSlopeBytesPerRequest} |`,
    `| heap growth after warm-up | ${(a.heapGrowthBytes / 1e6).toFixed(2)} MB | |`,
    `| RSS spread after warm-up (max − min over median) | ${a.rssSpreadPercent} % | ±10 % (${SOAK_GOALS.rssSpreadPercent} % wide) |`,
    `| open descriptors, most | ${a.openFdsMax} | |`,
    '',
    '| t (s) | requests | heap after GC (MB) | external (MB) | RSS (MB) | fds |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.samples.map((s) => `| ${s.tSec} | ${s.totalRequests} | ${(s.heapUsedBytes / 1e6).toFixed(1)} | ${(s.externalBytes / 1e6).toFixed(1)} | ${(s.rssBytes / 1e6).toFixed(0)} | ${s.openFds} |`),
    '',
  ].join('\n');
  writeFileSync(join(out, 'soak.md'), md);
  const rows = result.samples.flatMap((s) => [
    { requests: s.totalRequests, measure: 'heap after GC', mb: s.heapUsedBytes / 1e6 },
    { requests: s.totalRequests, measure: 'RSS', mb: s.rssBytes / 1e6 },
  ]);
  const spec: TopLevelSpec = {
    title: 'Soak: memory over requests',
    width: 640,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'requests', type: 'quantitative', title: 'requests served' },
      y: { field: 'mb', type: 'quantitative', title: 'MB' },
      color: { field: 'measure', type: 'nominal', title: null },
    },
  };
  writeFileSync(join(out, 'soak.svg'), await renderSvg('soak', spec));
}

