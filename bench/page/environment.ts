// Section 5: what the numbers were measured with — versions, kernel, CPU, congestion controls,
// settings — and the emulator's own check of every link condition.
import type { EmulatorCheck } from '../lossy/report.js';
import { esc, table, type Section } from './html.js';
import type { PageSources } from './sources.js';

const brief = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function versionsTable(sources: PageSources): string {
  const columns: Array<[string, Record<string, string | number>]> = [];
  if (sources.lossy[0]) columns.push(['lossy link', sources.lossy[0].versions]);
  if (sources.h3Engines) columns.push(['HTTP/3 engines', sources.h3Engines.versions]);
  if (sources.cache) columns.push(['cache', sources.cache.versions]);
  const keys = [...new Set(columns.flatMap(([, v]) => Object.keys(v)))];
  const missingCpu = columns.some(([, v]) => v.cpuModel === undefined);
  return [
    '<h3>Versions and machine</h3>',
    table(['', ...columns.map(([name]) => name)], keys.map((k) => [k, ...columns.map(([, v]) => (v[k] === undefined ? '–' : brief(v[k])))]), 99),
    missingCpu ? '<p class="missing">CPU model: not recorded by the runs marked – (runs before the benchmarks wrote it).</p>' : '',
  ].join('\n');
}

function settingsTable(settings: Record<string, unknown>): string {
  const { conditions, titleBytes, congestionControl, tcpCongestionControl, ...rest } = settings;
  const sizes = Object.entries((titleBytes as Record<string, number> | undefined) ?? {});
  const segment = sizes.find(([p]) => /\/v\/seg-1\./.test(p));
  const rows: Array<[string, string]> = [
    ['TCP congestion control (both namespaces)', String(tcpCongestionControl ?? '–')],
    ...Object.entries((congestionControl as Record<string, string> | undefined) ?? {}).map(([k, v]): [string, string] => [`congestion control: ${k}`, v]),
    ['conditions', `${(conditions as unknown[] | undefined)?.length ?? '?'}`],
    ...Object.entries(rest).map(([k, v]): [string, string] => [k, brief(v)]),
    ['video segment bytes', segment ? String(segment[1]) : '–'],
  ];
  return ['<h3>Lossy-link settings</h3>', table(['setting', 'value'], rows, 99)].join('\n');
}

function emulatorTable(emulator: EmulatorCheck[]): string {
  const rows = emulator.map((e) => [
    e.rttMs,
    e.lossPercent,
    e.rateMbitPerSec,
    e.queueBytes,
    e.ping.rttAvgMs,
    `${e.ping.lossPercent} (${e.ping.expectedLossPercent})`,
    e.relayLossPercent ? `${e.relayLossPercent.cliToSrv} / ${e.relayLossPercent.srvToCli}` : '–',
    e.relay ? `${e.relay.bToA?.lostQueue ?? 0}` : '–',
    e.relay?.bToA?.tcpRetransmits === undefined ? '–' : String(e.relay.bToA.tcpRetransmits),
    e.ping.rttWithin10Percent && e.ping.lossWithinTolerance ? 'yes' : 'NO',
  ]);
  return [
    '<h3>Emulator check</h3>',
    '<p>Ping from the client namespace before each condition, and the relay\'s own counters over the whole condition.</p>',
    table(['RTT ms', 'loss %/dir', 'Mbit/s', 'queue bytes', 'ping RTT ms', 'ping loss % (expected)', 'relay loss % cli→srv / srv→cli', 'queue drops srv→cli', 'TCP retransmissions srv→cli', 'within tolerance'], rows, 0),
  ].join('\n');
}

function engineSettings(name: string, settings: Record<string, unknown>): string {
  return `<h3>${esc(name)} settings</h3>${table(['setting', 'value'], Object.entries(settings).map(([k, v]) => [k, brief(v)]), 99)}`;
}

/** The environment section: tables only. */
export function environmentSection(sources: PageSources): Section {
  const first = sources.lossy[0];
  const html = [
    versionsTable(sources),
    first ? settingsTable(first.settings) : '',
    first ? emulatorTable(first.emulator) : '',
    sources.h3Engines ? engineSettings('HTTP/3 engines', sources.h3Engines.settings) : '',
    sources.cache ? engineSettings('Cache', sources.cache.settings) : '',
  ].join('\n');
  const missing = sources.lossy.length === 0 && !sources.h3Engines && !sources.cache ? ['No benchmark JSON in this directory.'] : [];
  return { id: 'environment', title: 'Environment', intro: 'What the numbers above were measured with.', figures: [], missing, html };
}
