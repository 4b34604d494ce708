// How the native engine's initial congestion window (quicInitialWindowPackets) changes a
// player's startup over the lossy bench's emulated link: h3edge restarted with each window, and
// Caddy's h3 (quic-go, 32 packets) beside it, measured by our h3 client (cold and 0-RTT).
// Usage: tsx bench/lossy/initial-window.ts [--quick] [--baseline CHECKOUT]   (root: network namespaces)
//        --baseline: also measure h3edge built in another checkout (e.g. before a change), as it is.
// Results: bench/results/initial-window.json and initial-window.md (medians, min–max).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '../common/samples.js';
import { quicLibVersions } from '../common/quic-libs.js';
import { runOurClient } from './bench.js';
import { LinkEmulator, buildRelay, removeStaleNamespaces, type LinkSettings } from './link.js';
import { planFor } from './matrix.js';
import { makeLossyTitle } from './media.js';
import { startCaddyInNetns, startH3edgeInNetns } from './servers.js';

const ROOT = join(import.meta.dirname, '../..');
const quick = process.argv.includes('--quick');
const baselineAt = process.argv.indexOf('--baseline');
const baselineDir = baselineAt >= 0 ? process.argv[baselineAt + 1] : undefined;
const WINDOWS = quick ? [10, 32] : [10, 16, 24, 32, 48, 64];
const REPETITIONS = quick ? 2 : 5;
const CONDITIONS: LinkSettings[] = (quick ? [80] : [20, 80, 200]).flatMap((rttMs) =>
  (quick ? [50] : [10, 50]).flatMap((rateMbitPerSec) => (quick ? [0] : [0, 1, 5]).map((lossPercent) => ({ rttMs, rateMbitPerSec, lossPercent }))),
);

interface Startup {
  server: string;
  window: number | null;
  mode: string;
  rttMs: number;
  rateMbitPerSec: number;
  lossPercent: number;
  completionMs?: number;
  incomplete?: number;
  error?: string;
}

function progress(line: string): void {
  process.stderr.write(`bench initial-window: ${line}\n`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench initial-window: needs root (network namespaces, raw sockets)\n');
    process.exit(2);
  }
  removeStaleNamespaces();
  const work = mkdtempSync(join(tmpdir(), 'h3edge-bench-iw-'));
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  const cleanup = (): void => {
    link.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const samples: Startup[] = [];
  try {
    execFileSync('bash', [join(ROOT, 'scripts/make-dev-certs.sh'), join(work, 'certs')], { stdio: 'ignore' });
    const files = { media: join(work, 'media'), cert: join(work, 'certs/dev-cert.pem'), key: join(work, 'certs/dev-key.pem'), work };
    const plan = { ...planFor('quick'), repetitions: REPETITIONS };
    const title = makeLossyTitle(files.media, plan.segmentSeconds);
    const caddy = await startCaddyInNetns(link.srv, 9443, files);
    const baseline = baselineDir ? await startH3edgeInNetns(link.srv, 7443, files, [join(baselineDir, 'bin/h3edge.js')]) : null;
    const record = (server: string, window: number | null, s: LinkSettings, results: Array<Record<string, unknown>>): void => {
      for (const r of results) {
        const metrics = (r.metrics ?? {}) as Record<string, number>;
        samples.push({ server, window, mode: String(r.mode ?? ''), ...s, completionMs: metrics.completionMs, incomplete: metrics.incomplete, ...(r.error ? { error: String(r.error) } : {}) });
      }
    };
    for (const window of WINDOWS) {
      const h3edge = await startH3edgeInNetns(link.srv, 8443, files, undefined, { quicInitialWindowPackets: window });
      for (const [i, s] of CONDITIONS.entries()) {
        await link.configure(s, i + 1);
        progress(`window ${window}: RTT ${s.rttMs} ms, ${s.rateMbitPerSec} Mbit/s, loss ${s.lossPercent} %`);
        record('h3edge', window, s, await runOurClient(link, h3edge, 'h3', s, plan, title, files.cert, work, ['startup']));
        // Caddy once per condition, interleaved with the first window so both see the same machine load.
        if (window === WINDOWS[0]) {
          record('caddy', null, s, await runOurClient(link, caddy, 'h3', s, plan, title, files.cert, work, ['startup']));
          if (baseline) record('baseline', null, s, await runOurClient(link, baseline, 'h3', s, plan, title, files.cert, work, ['startup']));
        }
      }
      await h3edge.stop();
    }
    await caddy.stop();
    await baseline?.stop();
  } finally {
    cleanup();
  }
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const settings = { baseline: baselineDir ?? null, windows: WINDOWS, repetitions: REPETITIONS, conditions: CONDITIONS, client: '@currentspace/http3 (bench/lossy/client-main.ts)', congestionControl: 'h3edge bbr2, caddy (quic-go) cubic' };
  writeFileSync(join(out, 'initial-window.json'), JSON.stringify({ settings, versions: { node: process.version, kernel: release(), ...quicLibVersions(ROOT) }, samples }, null, 2));
  const md = table(samples);
  writeFileSync(join(out, 'initial-window.md'), md);
  process.stdout.write(md);
}

/** Startup completion (ms): median and min–max per condition, server/window and mode. */
function table(samples: Startup[]): string {
  const columns = [...WINDOWS.map((w) => `h3edge ${w}`), ...(baselineDir ? ['baseline'] : []), 'caddy'];
  const lines = [
    '# Initial congestion window: startup completion (ms, median [min–max])',
    '',
    `${REPETITIONS} repetitions per cell; our h3 client, the lossy bench's title (12 startup objects, ~800 KB).`,
    '',
    `| RTT ms | Mbit/s | loss % | mode | ${columns.join(' | ')} |`,
    `| --- | --- | --- | --- | ${columns.map(() => '---').join(' | ')} |`,
  ];
  for (const s of CONDITIONS) {
    for (const mode of ['cold', '0-rtt']) {
      const cells = columns.map((col) => {
        const of = samples.filter((x) => x.rttMs === s.rttMs && x.rateMbitPerSec === s.rateMbitPerSec && x.lossPercent === s.lossPercent && x.mode === mode && `${x.server}${x.window === null ? '' : ` ${x.window}`}` === col);
        const ms = of.filter((x) => x.completionMs !== undefined && !x.error && x.incomplete === 0).map((x) => x.completionMs as number);
        const failed = of.length - ms.length;
        if (ms.length === 0) return failed ? `${failed} failed` : '–';
        return `${Math.round(median(ms))} [${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))}]${failed ? ` (${failed} failed)` : ''}`;
      });
      lines.push(`| ${s.rttMs} | ${s.rateMbitPerSec} | ${s.lossPercent} | ${mode} | ${cells.join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

await main();
