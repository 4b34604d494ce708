// Section 3: the six-segment scenario at one lossy condition, each stream's bytes over time,
// HTTP/2 beside HTTP/3, with the packets the link dropped (and TCP's retransmissions) marked.
import type { LossySample, ScenarioDoc } from '../lossy/report.js';
import { stallThresholdMs } from '../lossy/scenarios.js';
import type { ConnectionTrace, TraceEvent } from '../lossy/trace.js';
import type { Figure, Section } from './html.js';
import { OUR_CLIENT, SERVER_LABEL, conditionKey, serversOf } from './lossy-data.js';
import { legendSymbols } from './vega.js';

/** The condition drawn when the run has it (the task's example); otherwise the lossiest one traced. */
const PREFERRED = { rttMs: 80, lossPercent: 2, rateMbitPerSec: 50 };

/**
 * How each kind of link event is marked: random losses of the server's packets (what causes
 * head-of-line blocking) as lines across the panel, the rest as short ticks in a lane at the top
 * or bottom edge so that bursts (a full queue in BBR's startup, TCP resending them) do not hide the streams.
 */
const MARKERS: Record<string, { label: string; color: string; lane: Lane }> = {
  'srvToCli random': { label: 'lost, server→client', color: '#d62728', lane: 'across' },
  'srvToCli queue': { label: 'queue full, server→client (top)', color: '#9467bd', lane: 'top' },
  'srvToCli ring': { label: 'queue full, server→client (top)', color: '#9467bd', lane: 'top' },
  'cliToSrv random': { label: 'lost, client→server (top)', color: '#8c8c8c', lane: 'top2' },
  'cliToSrv queue': { label: 'lost, client→server (top)', color: '#8c8c8c', lane: 'top2' },
  'cliToSrv ring': { label: 'lost, client→server (top)', color: '#8c8c8c', lane: 'top2' },
  'srvToCli retransmit': { label: 'TCP resent bytes arrive (bottom)', color: '#2ca02c', lane: 'bottom' },
};

type Lane = 'across' | 'top' | 'top2' | 'bottom';

const HEIGHT = 240;
/** Pixel rows of the tick lanes (y and y2 from the panel's top). */
const LANES: Record<Exclude<Lane, 'across'>, [number, number]> = { top: [0, 9], top2: [11, 20], bottom: [HEIGHT - 9, HEIGHT] };

const PROTOCOL_LABEL = { h2: 'HTTP/2 over TCP', h3: 'HTTP/3 over QUIC' } as const;

type Traced = LossySample & { trace: ConnectionTrace & { events: TraceEvent[] } };

const traced = (s: LossySample): s is Traced => s.scenario === 'multiplexed' && s.trace !== undefined && Array.isArray(s.trace.events) && s.client === OUR_CLIENT[s.protocol];

/** The repetition whose completion is the median of its peer's (a typical run, not the best or worst). */
function typical(runs: Traced[]): Traced | undefined {
  const sorted = [...runs].sort((a, b) => (a.metrics?.completionMs ?? 0) - (b.metrics?.completionMs ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Intervals longer than `thresholdMs` in which no stream received a byte (the thinned trace keeps both ends of such gaps). */
function connectionStalls(trace: ConnectionTrace, thresholdMs: number): Array<[number, number]> {
  const times = trace.streams.flatMap((s) => s.points.map(([t]) => t)).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (let i = 1; i < times.length; i++) if ((times[i] as number) - (times[i - 1] as number) > thresholdMs) out.push([times[i - 1] as number, times[i] as number]);
  return out;
}

function chooseCondition(runs: Traced[]): string | undefined {
  const lossy = runs.filter((s) => s.lossPercent > 0);
  if (lossy.some((s) => conditionKey(s) === conditionKey(PREFERRED))) return conditionKey(PREFERRED);
  const best = [...lossy].sort((a, b) => b.lossPercent - a.lossPercent || a.rttMs - b.rttMs || b.rateMbitPerSec - a.rateMbitPerSec)[0];
  return best ? conditionKey(best) : undefined;
}

/** One server's picture: HTTP/2 and HTTP/3 side by side on one time axis. */
function figure(chosen: Traced[]): Figure {
  const first = chosen[0] as Traced;
  const server = SERVER_LABEL[first.server] ?? first.server;
  const threshold = stallThresholdMs(first.rttMs);
  const rows: Array<Record<string, unknown>> = [];
  const markers = new Map<string, string>();
  for (const s of chosen) {
    const panel = { protocol: PROTOCOL_LABEL[s.protocol] };
    s.trace.streams.forEach((stream, i) => {
      for (const [t, bytes] of stream.points) rows.push({ ...panel, kind: 'bytes', stream: `segment ${i + 1}`, t, kb: bytes / 1000 });
    });
    for (const e of s.trace.events) {
      const m = MARKERS[`${e.dir} ${e.kind}`];
      if (!m) continue;
      markers.set(m.label, m.color);
      rows.push({ ...panel, kind: 'event', t: e.atMs, marker: m.label, lane: m.lane });
    }
    for (const [from, to] of connectionStalls(s.trace, threshold)) rows.push({ ...panel, kind: 'stall', t: from, t2: to });
  }
  const x = { field: 't', type: 'quantitative', title: 'ms since the six requests went out' } as const;
  return {
    id: `head-of-line-${first.server}`,
    title: `${server}: six segments at RTT ${first.rttMs} ms, ${first.lossPercent} % loss, ${first.rateMbitPerSec} Mbit/s`,
    caption: `The repetition with the median completion time of each protocol: ${chosen.map((c) => `${PROTOCOL_LABEL[c.protocol]} ${Math.round(c.metrics?.completionMs ?? 0)} ms`).join(', ')}. Grey bands: no stream received anything for longer than ${threshold} ms (the stall threshold at this RTT).`,
    spec: {
      data: { values: rows },
      facet: { column: { field: 'protocol', type: 'nominal', sort: Object.values(PROTOCOL_LABEL), title: null } },
      spec: {
        width: 560,
        height: HEIGHT,
        layer: [
          // Only layers with data: an empty one would leave its scale without an extent.
          ...(rows.some((r) => r.kind === 'stall') ? [{ transform: [{ filter: "datum.kind == 'stall'" }], mark: { type: 'rect', color: '#000', opacity: 0.09 } as const, encoding: { x, x2: { field: 't2' } } }] : []),
          ...(['across', ...Object.keys(LANES)] as Lane[]).filter((lane) => rows.some((r) => r.lane === lane)).map((lane) => ({
            transform: [{ filter: `datum.kind == 'event' && datum.lane == '${lane}'` }],
            mark: { type: 'rule', strokeWidth: 1, opacity: lane === 'across' ? 0.45 : 0.8 } as const,
            encoding: {
              x,
              ...(lane === 'across' ? {} : { y: { value: LANES[lane][0] }, y2: { value: LANES[lane][1] } }),
              stroke: { field: 'marker', type: 'nominal', title: null, scale: { domain: [...markers.keys()], range: [...markers.values()] }, legend: { columns: 2, labelLimit: 320, symbolStrokeWidth: 2, ...legendSymbols({ opacity: { value: 1 } }) } } as const,
            },
          })),
          {
            transform: [{ filter: "datum.kind == 'bytes'" }],
            mark: { type: 'line', strokeWidth: 1.8, interpolate: 'step-after' },
            encoding: { x, y: { field: 'kb', type: 'quantitative', title: 'KB received' }, color: { field: 'stream', type: 'nominal', title: null, scale: { scheme: 'tableau10' } } },
          },
        ],
      },
      resolve: { scale: { y: 'shared' } },
    },
  };
}

/** The head-of-line section; a run without per-chunk arrival times (older JSON) says so. */
export function headOfLineSection(docs: ScenarioDoc[]): Section {
  const intro =
    'What the lossy-link benchmark exists to show: over TCP a lost packet holds back every stream until it is resent; over QUIC only the stream whose data it carried waits. ' +
    'Lines: the bytes of each of the six streams as the client received them (one point per 16 KiB and at both ends of every gap over 10 ms). ' +
    "Red lines across: the server's packets of this connection the link lost, placed where they would have reached the client; ticks at the top: packets dropped by the full queue and the client's packets lost; ticks at the bottom (HTTP/2): TCP segments carrying bytes sent before, where they reached the client. " +
    "QUIC's retransmissions are encrypted, so only its losses are marked.";
  const base = { id: 'head-of-line', title: 'Head-of-line blocking, stream by stream', intro };
  const all = docs.flatMap((d) => d.samples).filter(traced);
  const key = chooseCondition(all);
  if (key === undefined) {
    const why = docs.some((d) => d.scenario === 'multiplexed')
      ? all.length > 0
        ? 'This run has per-chunk arrival times only at loss-free conditions.'
        : "This run's JSON has no per-chunk arrival times or link events (runs before the benchmark recorded them; <code>bench/reference/hol-2026-12-07</code> is a run that has them)."
      : 'The six-segment (multiplexed) scenario is not in this run.';
    return { ...base, figures: [], missing: [why] };
  }
  const here = all.filter((s) => conditionKey(s) === key);
  const figures = serversOf(here).map((server) =>
    figure((['h2', 'h3'] as const).map((protocol) => typical(here.filter((s) => s.server === server && s.protocol === protocol))).filter((s): s is Traced => s !== undefined)),
  );
  return { ...base, figures, missing: [] };
}
