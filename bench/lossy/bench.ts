// The lossy-link benchmark: builds the emulated link, starts the servers in the server
// namespace, and for every condition checks the emulator with ping and runs every peer's
// scenarios from the client namespace. Everything it starts lives in its namespaces, so
// `cleanup` (also from a signal handler) removes all of it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchServer } from '../cache/servers.js';
import type { ClientJob } from './client-main.js';
import { IDLE_OUT_ERROR, gtlsclientStartup, h2loadSmall, nghttpStartup, type ExternalContext, type ExternalResult } from './external-peers.js';
import { machine } from '../common/machine.js';
import { buildPage } from '../page/build.js';
import { LinkEmulator, SERVER_ADDR, buildRelay, removeStaleNamespaces, type LinkSettings, type RelayCounters } from './link.js';
import { attachLinkEvents, readLinkEvents } from './link-events.js';
import type { BenchPlan } from './matrix.js';
import { makeLossyTitle, type LossyTitle } from './media.js';
import { writeReports, type EmulatorCheck, type LossySample } from './report.js';
import { stallThresholdMs } from './scenarios.js';
import { quicLibVersions } from '../common/quic-libs.js';
import { H3EDGE_QUIC_CONGESTION_CONTROL, startCaddyInNetns, startH3edgeInNetns } from './servers.js';

const ROOT = join(import.meta.dirname, '../..');
const OUR_CLIENT = { h2: 'node:http2', h3: '@currentspace/http3' } as const;

function progress(line: string): void {
  process.stderr.write(`bench lossy: ${line}\n`);
}

function versions(): Record<string, string | number> {
  const out = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout ?? ''}`.trim().split('\n')[0] ?? '';
  };
  const dirty = out('git', ['-C', ROOT, 'status', '--porcelain']) ? '+dirty' : '';
  return {
    node: process.version,
    h3edge: `${out('git', ['-C', ROOT, 'rev-parse', 'HEAD'])}${dirty}`,
    caddy: out('caddy', ['version']),
    ngtcp2: out('dpkg-query', ['-W', '-f=${Version}', 'ngtcp2-client']),
    h3edgeQuicLibs: `ngtcp2 ${quicLibVersions(ROOT).ngtcp2}, nghttp3 ${quicLibVersions(ROOT).nghttp3}`,
    nghttp2: out('dpkg-query', ['-W', '-f=${Version}', 'nghttp2-client']),
    currentspaceHttp3: out(process.execPath, ['-p', `require(${JSON.stringify(join(ROOT, 'node_modules/@currentspace/http3/package.json'))}).version`]),
    ...machine(),
  };
}

function relayLoss(c: RelayCounters | undefined): EmulatorCheck['relayLossPercent'] {
  if (!c) return undefined;
  const pct = (d: Record<string, number>): number => Number(((100 * (d.lostRandom ?? 0)) / Math.max(1, d.ipFrames ?? 0)).toFixed(3));
  return { cliToSrv: pct(c.aToB), srvToCli: pct(c.bToA) };
}

/** Runs client-main.ts in the client namespace for one server and protocol (`scenarios`: a subset). */
export async function runOurClient(link: LinkEmulator, server: BenchServer, protocol: 'h2' | 'h3', s: LinkSettings, plan: BenchPlan, title: LossyTitle, caPath: string, work: string, scenarios?: ClientJob['scenarios']): Promise<Array<Record<string, unknown>>> {
  const job: ClientJob = {
    protocol,
    origin: `https://${SERVER_ADDR}:${server.port}`,
    servername: 'localhost',
    caPath,
    prefix: server.prefix,
    repetitions: plan.repetitions,
    smallRequests: plan.smallRequests,
    scenarioTimeoutMs: plan.scenarioTimeoutMs,
    rttMs: s.rttMs,
    scenarios: scenarios ?? plan.scenarios,
    title: { startup: title.startup, videoSegments: title.videoSegments, manifest: title.manifest, small: title.small, sizes: Object.fromEntries(title.sizes) },
  };
  const jobFile = join(work, `job-${server.name}-${protocol}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const [cmd, args] = link.exec('cli', process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'client-main.ts'), jobFile]);
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  // Every scenario is bounded inside the client; this bounds the process as a whole.
  const limitMs = plan.repetitions * 5 * plan.scenarioTimeoutMs + 30_000;
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((r) => child.once('close', r));
  clearTimeout(killer);
  try {
    return (JSON.parse(out) as { samples: Array<Record<string, unknown>> }).samples;
  } catch {
    return [{ scenario: 'all', error: `client exited ${code}: ${err.slice(-300)}` }];
  }
}

/** The external clients' runs: startup with gtlsclient (cold, 0-RTT) and nghttp, small objects with h2load. */
async function externalSamples(link: LinkEmulator, server: BenchServer, plan: BenchPlan, title: LossyTitle, work: string, idledOut: Map<string, string>, where: string): Promise<Array<{ client: string; protocol: 'h2' | 'h3'; result: ExternalResult; repetition: number }>> {
  const c: ExternalContext = { cliNs: link.cli, server, startup: title.startup, small: title.small, smallRequests: plan.smallRequests, work, timeoutMs: plan.scenarioTimeoutMs };
  const out: Array<{ client: string; protocol: 'h2' | 'h3'; result: ExternalResult; repetition: number }> = [];
  // A gtlsclient mode that idled out against a server once is not run against it again in this
  // run (each try costs a minute); its later samples are failures that say where it first did.
  const gtlsclient = async (sessionDir: string, mode: 'cold' | '0-rtt' | '0-rtt+token'): Promise<ExternalResult> => {
    const key = `${server.name}|${mode}`;
    const first = idledOut.get(key);
    if (first !== undefined) return { scenario: 'startup', mode, error: `not run: ${IDLE_OUT_ERROR} against ${server.name} at ${first}` };
    const r = await gtlsclientStartup(c, sessionDir, mode);
    if ('error' in r && r.error.startsWith(IDLE_OUT_ERROR)) idledOut.set(key, where);
    return r;
  };
  for (let rep = 0; rep < plan.repetitions; rep++) {
    if (plan.scenarios.includes('startup')) {
      const sessionDir = mkdtempSync(join(work, 'gtls-session-'));
      out.push({ client: 'gtlsclient', protocol: 'h3', result: await gtlsclient(sessionDir, 'cold'), repetition: rep });
      out.push({ client: 'gtlsclient', protocol: 'h3', result: await gtlsclient(sessionDir, '0-rtt'), repetition: rep });
      out.push({ client: 'gtlsclient', protocol: 'h3', result: await gtlsclient(sessionDir, '0-rtt+token'), repetition: rep });
      rmSync(sessionDir, { recursive: true, force: true });
      out.push({ client: 'nghttp', protocol: 'h2', result: await nghttpStartup(c), repetition: rep });
    }
    if (plan.scenarios.includes('throughput')) out.push({ client: 'h2load', protocol: 'h2', result: await h2loadSmall(c), repetition: rep });
  }
  return out;
}

/** Gives every traced sample of the condition that just ended the relay's events of its connection. */
function attachEvents(samples: LossySample[], eventLog: string): void {
  if (!existsSync(eventLog)) return;
  const { events } = readLinkEvents(eventLog);
  for (const s of samples) if (s.trace && s.metrics) attachLinkEvents(s.trace, events, s.metrics.completionMs ?? 0);
  rmSync(eventLog, { force: true });
}

/** Handle for tearing the run down from a signal handler (synchronous). */
export interface LossyRun {
  cleanup(): void;
  done: Promise<string>;
}

/** Starts the whole benchmark; results go to `outDir`. */
export function startLossyBench(plan: BenchPlan, outDir: string): LossyRun {
  const stale = removeStaleNamespaces();
  if (stale.length > 0) progress(`removed stale namespaces ${stale.join(' ')}`);
  const work = mkdtempSync(join(tmpdir(), 'h3edge-bench-lossy-'));
  let linkToClean: LinkEmulator | undefined;
  const cleanup = (): void => {
    linkToClean?.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  const run = async (): Promise<string> => {
    execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), join(work, 'certs')], { stdio: 'ignore' });
    const files = { media: join(work, 'media'), cert: join(work, 'certs/dev-cert.pem'), key: join(work, 'certs/dev-key.pem'), work };
    const title = makeLossyTitle(files.media, plan.segmentSeconds);
    const link = LinkEmulator.create(process.pid, buildRelay(work));
    linkToClean = link;
    progress(`namespaces ${link.cli} ${link.rtr} ${link.srv}; work dir ${work}; TCP congestion control ${link.tcpCongestionControl}`);
    const servers = [await startH3edgeInNetns(link.srv, 8443, files)];
    if (plan.allPeers) servers.push(await startCaddyInNetns(link.srv, 9443, files));
    const samples: LossySample[] = [];
    const emulator: EmulatorCheck[] = [];
    const congestionControl = { 'h2 (both servers, kernel TCP)': link.tcpCongestionControl, 'h3edge h3 (ngtcp2)': H3EDGE_QUIC_CONGESTION_CONTROL, 'caddy h3 (quic-go)': 'cubic' };
    const settings = { ...plan, tcpCongestionControl: link.tcpCongestionControl, congestionControl, stallThresholdMs: Object.fromEntries(plan.conditions.map((c) => [c.rttMs, stallThresholdMs(c.rttMs)])), titleBytes: Object.fromEntries(title.sizes) };
    const versionList = versions();
    let report = '';
    const eventLog = join(work, 'relay-events.log');
    const idledOut = new Map<string, string>();
    for (const [i, s] of plan.conditions.entries()) {
      const { queueBytes } = await link.configure(s, i + 1, eventLog);
      const firstOfCondition = samples.length;
      const ping = link.ping(s, plan.pingCount);
      progress(`${i + 1}/${plan.conditions.length} RTT ${s.rttMs} ms, loss ${s.lossPercent} %, ${s.rateMbitPerSec} Mbit/s — ping ${ping.rttAvgMs} ms, ${ping.lossPercent} % lost (expected ${ping.expectedLossPercent} %)`);
      for (const server of servers) {
        for (const protocol of ['h2', 'h3'] as const) {
          const started = performance.now();
          const results = await runOurClient(link, server, protocol, s, plan, title, files.cert, work);
          for (const r of results) samples.push({ ...s, server: server.name, protocol, client: OUR_CLIENT[protocol], repetition: 0, ...(r as Partial<LossySample>) } as LossySample);
          const errors = results.filter((r) => r.error).length;
          progress(`   ${server.name} ${protocol} ${OUR_CLIENT[protocol]}: ${results.length} runs, ${errors} failed, ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
        if (plan.allPeers && (plan.scenarios.includes('startup') || plan.scenarios.includes('throughput'))) {
          const started = performance.now();
          const results = await externalSamples(link, server, plan, title, work, idledOut, `${s.rttMs} ms / ${s.lossPercent} % / ${s.rateMbitPerSec} Mbit/s`);
          for (const x of results) samples.push({ ...s, server: server.name, protocol: x.protocol, client: x.client, repetition: x.repetition, ...x.result } as LossySample);
          const errors = results.filter((x) => 'error' in x.result).length;
          progress(`   ${server.name} gtlsclient/nghttp/h2load: ${results.length} runs, ${errors} failed, ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
      }
      const relay = await link.stopRelay();
      attachEvents(samples.slice(firstOfCondition), eventLog);
      emulator.push({ ...s, queueBytes, ping, relay, relayLossPercent: relayLoss(relay) });
      // Rewritten after every condition: an interrupted long run keeps what it measured.
      report = writeReports(outDir, { ...settings, conditionsDone: i + 1 }, versionList, emulator, samples);
      // The page is a view of the JSON: a chart that fails to render must not end the measurements.
      await buildPage({ lossyDir: outDir, enginesDir: outDir, out: join(outDir, 'index.html') }).catch((err: Error) => progress(`page not rebuilt: ${err.message}`));
    }
    await Promise.all(servers.map((sv) => sv.stop()));
    return report;
  };
  const done = run().finally(cleanup);
  return { cleanup, done };
}
