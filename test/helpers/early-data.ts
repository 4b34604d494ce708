import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './run.js';
import { gtlsclient } from './native-quic-peer.js';
import { scratchDir } from './scratch.js';

/** gtlsclient options that resume from (and store into) the TLS session and transport parameters in `dir`. */
export function resumeFrom(dir: string): string[] {
  return [`--session-file=${join(dir, 'session.pem')}`, `--tp-file=${join(dir, 'tp.bin')}`];
}

/** The `:status` of each response gtlsclient printed, in order. */
export const gtlsStatuses = (r: RunResult): string[] => [...(r.stdout + r.stderr).matchAll(/:status: (\d{3})/g)].map((m) => m[1]!);

/** Whether the server refused the early data of a resumed connection (gtlsclient then resends in 1-RTT). */
export const earlyDataRejected = (r: RunResult): boolean => /Early data was rejected/.test(r.stdout + r.stderr);

/** One request sent in 0-RTT, and what came of it. */
export interface EarlyDataResponse {
  /** The server took the early data (the request ran from it, not from a 1-RTT resend). */
  accepted: boolean;
  status: number;
  body: Buffer;
}

/** Sends requests in TLS 1.3 early data over HTTP/3 (RFC 9001 §4.6), each on a resumed connection of its own. */
export interface EarlyDataClient {
  /** `afterHandshake`: resume the same way but send the request in 1-RTT (a client's retry after 425); `accepted` is then false. */
  request(path: string, init?: { method?: string; body?: Buffer; afterHandshake?: boolean }): Promise<EarlyDataResponse>;
}

/**
 * A gtlsclient that first stores a ticket and the transport parameters (one full handshake, a GET
 * of `/healthz`), then sends each request in 0-RTT on a connection that resumes from them.
 */
export function gtlsEarlyDataClient(port: number): EarlyDataClient {
  const dir = scratchDir('h3edge-0rtt-');
  let primed: Promise<void> | undefined;
  let sent = 0;
  const prime = async (): Promise<void> => {
    const r = await gtlsclient(port, ['/healthz'], { extra: [...resumeFrom(dir), '--wait-for-ticket'], timeoutMs: 30_000 });
    if (r.code !== 0 || !existsSync(join(dir, 'session.pem')) || !existsSync(join(dir, 'tp.bin'))) {
      throw new Error(`gtlsclient stored no ticket (exit ${r.code}): ${r.stderr.slice(-400)}`);
    }
  };
  return {
    async request(path, init = {}) {
      await (primed ??= prime());
      const download = mkdtempSync(join(dir, 'dl-'));
      const extra = [...resumeFrom(dir), '-m', init.method ?? 'GET', ...(init.afterHandshake ? ['--disable-early-data'] : [])];
      if (init.body !== undefined) {
        const file = join(dir, `body-${++sent}`);
        writeFileSync(file, init.body);
        extra.push(`--data=${file}`);
      }
      // Verbose: the status lines and "Early data was rejected" are in its log.
      const r = await gtlsclient(port, [path], { download, verbose: true, extra, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`gtlsclient exit ${r.code}: ${r.stderr.slice(-400)}`);
      const statuses = gtlsStatuses(r);
      if (statuses.length !== 1) throw new Error(`gtlsclient printed ${statuses.length} statuses for one request`);
      const [file] = readdirSync(download);
      return { accepted: !init.afterHandshake && !earlyDataRejected(r), status: Number(statuses[0]), body: file === undefined ? Buffer.alloc(0) : readFileSync(join(download, file)) };
    },
  };
}
