// What Careful Resume (quicCarefulResume, RFC 9959) does for a returning client: ngtcp2's
// gtlsclient GETs one ~2 MB object (a segment) from the native engine over the lossy bench's
// emulated link, cold (a full handshake; it keeps the session, transport parameters and the
// NEW_TOKEN token) and then resumed from those (0-RTT with the token), against an engine with
// the switch on and one with it off, interleaved. Time: the client process's wall time.
// Usage: tsx bench/lossy/careful-resume.ts [--quick] [--repetitions N] [--condition RTT/MBIT/LOSS]...
//        (root: network namespaces; --condition, repeatable, replaces the default conditions)
// Results: bench/results/careful-resume.json and careful-resume.md (medians, min–max).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUIC_INITIAL_WINDOW_PACKETS } from '../../src/config/config.js';
import { quicLibVersions } from '../common/quic-libs.js';
import { median } from '../common/samples.js';
import { LinkEmulator, buildRelay, removeStaleNamespaces, type LinkSettings } from './link.js';
import { gtlsDownload, startNativeInNetns, type NativeInNetns } from './native-in-netns.js';

const ROOT = join(import.meta.dirname, '../..');
const quick = process.argv.includes('--quick');
const repAt = process.argv.indexOf('--repetitions');
const REPETITIONS = repAt >= 0 ? Number(process.argv[repAt + 1]) : quick ? 1 : 5;
const BODY_BYTES = 2 * 1024 * 1024;
// The issue's targets: 200 ms / 50 Mbit/s loss-free (resumed <= 0.7x cold) and with 5 % loss (never worse than cold).
const chosen = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--condition' ? [a.split('/').map(Number)] : []));
const CONDITIONS: LinkSettings[] = chosen.length ? chosen.map(([rttMs, rateMbitPerSec, lossPercent]) => ({ rttMs: rttMs as number, rateMbitPerSec: rateMbitPerSec as number, lossPercent: lossPercent as number })) : [
  { rttMs: 200, rateMbitPerSec: 50, lossPercent: 0 },
  { rttMs: 200, rateMbitPerSec: 50, lossPercent: 5 },
  ...(quick ? [] : [{ rttMs: 80, rateMbitPerSec: 50, lossPercent: 0 }]),
];
const MODES = ['cold', 'resumed, CR on', 'resumed, CR off'] as const;
// The earlier visit of a returning viewer: this many objects at once on one connection.
const PRIME_OBJECTS = 4;

function fresh(work: string, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  return dir;
}

interface Run {
  mode: (typeof MODES)[number];
  rttMs: number;
  rateMbitPerSec: number;
  lossPercent: number;
  repetition: number;
  ms?: number;
  /** The resumed connection's Careful Resume outcome (the server's view). */
  outcome?: string;
  error?: string;
}

function progress(line: string): void {
  process.stderr.write(`bench careful-resume: ${line}\n`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench careful-resume: needs root (network namespaces, raw sockets)\n');
    process.exit(2);
  }
  removeStaleNamespaces();
  const work = mkdtempSync(join(tmpdir(), 'h3edge-bench-cr-'));
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  const servers: NativeInNetns[] = [];
  const cleanup = async (): Promise<void> => {
    for (const s of servers) await s.stop();
    link.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const runs: Run[] = [];
  try {
    execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), join(work, 'certs')], { stdio: 'ignore' });
    const certs = { certFile: join(work, 'certs/dev-cert.pem'), keyFile: join(work, 'certs/dev-key.pem') };
    // A short idle timeout: when the client's last acknowledgement is lost, the server learns the
    // response's fate (and writes its line) when the connection idles out.
    const engine = { initialWindowPackets: QUIC_INITIAL_WINDOW_PACKETS.default, maxIdleTimeoutMs: 3000 };
    const on = await startNativeInNetns(link, work, 'on', 8443, certs, BODY_BYTES, { ...engine, carefulResume: true });
    servers.push(on);
    const off = await startNativeInNetns(link, work, 'off', 8444, certs, BODY_BYTES, engine);
    servers.push(off);
    let n = 0;
    for (const [i, s] of CONDITIONS.entries()) {
      await link.configure(s, i + 1);
      for (let rep = 0; rep < REPETITIONS; ++rep) {
        progress(`RTT ${s.rttMs} ms, ${s.rateMbitPerSec} Mbit/s, loss ${s.lossPercent} %: repetition ${rep + 1}/${REPETITIONS}`);
        // Alternate which server goes first, so neither always follows the other's traffic.
        for (const server of rep % 2 === 0 ? [on, off] : [off, on]) {
          const mode = server === on ? 'resumed, CR on' : 'resumed, CR off';
          const base = { ...s, repetition: rep };
          const record = async (m: Run['mode'], dir: string, path: string): Promise<void> => {
            const r = await gtlsDownload(link, server, dir, path, { session: true, token: true });
            // The server's line for it (written when the stream closes, whole or not: a lost last
            // acknowledgement leaves it unacknowledged once the client is gone).
            const line = await server.served(path);
            if (r.code !== 0 || r.bytes !== BODY_BYTES) runs.push({ ...base, mode: m, error: `gtlsclient exit ${r.code}, ${r.bytes} bytes: ${r.out.slice(-200)}` });
            else runs.push({ ...base, mode: m, ms: r.ms, ...(m === 'cold' ? {} : { outcome: line.stats.carefulResume }) });
          };
          const id = ++n;
          // A first visit: no files yet, a full handshake.
          await record('cold', fresh(work, `cold-${id}`), `/segment-${id}-cold`);
          // A returning viewer: an earlier visit fetched PRIME_OBJECTS segments on one connection
          // (its window grew; the files keep its ticket and latest token), then the segment.
          const returning = fresh(work, `returning-${id}`);
          await gtlsDownload(link, server, returning, `/segment-${id}-prime`, { session: true, token: true }, 60_000, PRIME_OBJECTS);
          await record(mode, returning, `/segment-${id}-resumed`);
        }
      }
    }
  } finally {
    await cleanup();
  }
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const settings = { repetitions: REPETITIONS, bodyBytes: BODY_BYTES, conditions: CONDITIONS, client: `gtlsclient (ngtcp2-client 1.11); cold: a full handshake; resumed: --session-file, --tp-file, --token-file kept by an earlier connection that fetched ${PRIME_OBJECTS} objects at once (0-RTT, address proven)`, server: `native engine alone (test/helpers/native-server-main.ts), bbr2, initial window ${QUIC_INITIAL_WINDOW_PACKETS.default} packets (quicInitialWindowPackets' default)`, relaySeeds: CONDITIONS.map((_, i) => i + 1) };
  writeFileSync(join(out, 'careful-resume.json'), JSON.stringify({ settings, versions: { node: process.version, kernel: release(), ...quicLibVersions(ROOT) }, runs }, null, 2));
  const md = table(runs);
  writeFileSync(join(out, 'careful-resume.md'), md);
  process.stdout.write(md);
}

/** Download time (ms): median [min–max] per condition and mode, the ratio of the medians to cold, and the resumed runs' outcomes. */
function table(runs: Run[]): string {
  const lines = [
    '# Careful Resume: one 2 MiB object with gtlsclient (ms, median [min–max])',
    '',
    `${REPETITIONS} repetitions per cell; cold runs of both servers pooled. Resumed: 0-RTT with the ticket and token of an earlier connection that fetched ${PRIME_OBJECTS} objects. Ratio: median / cold median.`,
    '',
    '| RTT ms | Mbit/s | loss % | mode | ms | ratio | outcomes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of CONDITIONS) {
    const at = runs.filter((r) => r.rttMs === s.rttMs && r.rateMbitPerSec === s.rateMbitPerSec && r.lossPercent === s.lossPercent);
    const cold = at.filter((r) => r.mode === 'cold' && r.ms !== undefined).map((r) => r.ms as number);
    for (const mode of MODES) {
      const of = at.filter((r) => r.mode === mode);
      const ms = of.filter((r) => r.ms !== undefined).map((r) => r.ms as number);
      const failed = of.length - ms.length;
      const outcomes = new Map<string, number>();
      for (const r of of) if (r.outcome) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
      const cell = ms.length ? `${Math.round(median(ms))} [${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}]${failed ? ` (${failed} failed)` : ''}` : `${failed} failed`;
      const ratio = ms.length && cold.length ? (median(ms) / median(cold)).toFixed(2) : '–';
      lines.push(`| ${s.rttMs} | ${s.rateMbitPerSec} | ${s.lossPercent} | ${mode} | ${cell} | ${ratio} | ${[...outcomes].map(([k, v]) => `${k} ×${v}`).join(', ') || '–'} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

await main();
