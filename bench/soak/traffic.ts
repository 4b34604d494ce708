// The player traffic the soak sends: one round of each kind, each by a real client in its own
// process (h2load for HTTP/2 and HTTP/1.1, gtlsclient for HTTP/3), each bounded by a request
// count and a time limit. Returns how many requests completed.
import { spawn } from 'node:child_process';

/** What a round asks for, by kind; a kind given 0 requests is skipped. */
export interface RoundPlan {
  /** HTTP/2: playlists, init and media segments of a title under a playback token, and artwork. */
  h2: number;
  /** HTTP/1.1: the same files. */
  http1: number;
  /** HTTP/2 byte ranges of the byte-range title's single-file rendition. */
  ranges: number;
  /** HTTP/2 playback API: session starts (mostly 429 past the profile's limit) and heartbeats. */
  api: number;
  /** HTTP/3: the same files as h2, in streams of one connection per gtlsclient. */
  h3: number;
}

export interface Target {
  port: number;
  /** Absolute paths (with the token) of the files players fetch. */
  mediaPaths: string[];
  /** A file of the byte-range title, fetched in ranges. */
  rangePath: string;
  /** JSON body of a playback start. */
  apiBodyFile: string;
  heartbeatPath: string;
  /** Where gtlsclient writes what it downloads (overwritten round after round). */
  downloadDir: string;
}

/** Time limit of one client process; a round never runs longer. */
const CLIENT_LIMIT_MS = 300_000;

/** Runs a program; resolves with its stdout (never rejects: a failed client completed nothing). */
function runClient(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
    child.on('error', () => resolve({ code: -1, stdout }));
  });
}

/** h2load: how many requests completed (any status). */
async function h2load(args: string[]): Promise<number> {
  const { stdout } = await runClient('h2load', args);
  return Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(stdout)?.[1] ?? 0);
}

/** One round of every kind at once; resolves with the requests each completed. */
export async function round(target: Target, plan: RoundPlan): Promise<RoundPlan> {
  const base = `https://localhost:${target.port}`;
  const media = target.mediaPaths.map((p) => base + p);
  // `streams`: requests in flight per connection (HTTP/2 streams, HTTP/1.1 pipelining depth).
  const load = (n: number, extra: string[], uris: string[], streams = 16): Promise<number> =>
    n > 0 ? h2load(['-n', String(n), '-c', '4', '-m', String(streams), '--connection-active-timeout=60', ...extra, ...uris]) : Promise.resolve(0);
  const [h2, http1, ranges, api, h3] = await Promise.all([
    load(plan.h2, [], media),
    // One request at a time per connection, as browsers and players speak HTTP/1.1: node 20
    // answers deep pipelining over TLS with HPE_PAUSED now and then, and h2load does not reconnect.
    load(plan.http1, ['--h1'], media, 1),
    load(plan.ranges, ['-H', 'range: bytes=10000-140000'], [base + target.rangePath]),
    Promise.all([
      load(Math.ceil(plan.api / 2), ['-d', target.apiBodyFile, '-H', 'content-type: application/json'], [`${base}/v1/playback`]),
      load(Math.floor(plan.api / 2), ['-d', '/dev/null'], [base + target.heartbeatPath]),
    ]).then(([a, b]) => a + b),
    gtlsRounds(target, plan.h3),
  ]);
  return { h2, http1, ranges, api, h3 };
}

/** HTTP/3 requests in connections of at most 1,000 streams, two connections at a time. */
async function gtlsRounds(target: Target, requests: number): Promise<number> {
  let done = 0;
  const perConnection = 1000;
  while (done < requests) {
    const batch = Array.from({ length: Math.min(2, Math.ceil((requests - done) / perConnection)) }, async () => {
      const n = Math.min(perConnection, requests - done);
      const uris = target.mediaPaths.map((p) => `https://localhost:${target.port}${p}`);
      const r = await runClient('gtlsclient', ['-q', '--exit-on-all-streams-close', '--timeout=30s', '--download', target.downloadDir, '-n', String(n), '127.0.0.1', String(target.port), ...uris]);
      return r.code === 0 ? n : 0;
    });
    const got = (await Promise.all(batch)).reduce((a, b) => a + b, 0);
    if (got === 0) break; // the server refuses HTTP/3: stop rather than spin
    done += got;
  }
  return done;
}
