import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer } from './helpers/server.js';
import { makeTestMedia } from './helpers/media.js';
import { earlyDataRejected, gtlsStatuses, resumeFrom } from './helpers/early-data.js';
import { gtlsclient } from './helpers/native-quic-peer.js';
import { scratchDir } from './helpers/scratch.js';

// GnuTLS's anti-replay refuses early data with a ticket issued before its window last rolled
// over, and any 0-RTT attempt rolls it over once the window has passed. With GnuTLS's 10 s a
// returning player that came back after another client's 0-RTT got no 0-RTT at all;
// quicEarlyDataWindowSec sets the window (default 600 s). Two gtlsclients store a ticket; 3 s
// later the second resumes in 0-RTT (rolling a 2 s window over), then the first tries.
const media = makeTestMedia();

async function returningClients(windowSec: number): Promise<{ second: boolean; first: boolean }> {
  const server = await startTestServer({ media: media.dir, logLevel: 'warn', quicEarlyDataWindowSec: windowSec });
  try {
    const dirs = [scratchDir('h3edge-0rtt-window-'), scratchDir('h3edge-0rtt-window-')];
    for (const dir of dirs) {
      const r = await gtlsclient(server.port, ['/healthz'], { extra: [...resumeFrom(dir), '--wait-for-ticket'], timeoutMs: 30_000 });
      if (r.code !== 0 || !existsSync(join(dir, 'session.pem'))) throw new Error(`gtlsclient stored no ticket (exit ${r.code}): ${r.stderr.slice(-300)}`);
    }
    // Longer than the short window, shorter than the long one: the tickets' age decides.
    await sleep(3_000);
    const inEarlyData = async (dir: string): Promise<boolean> => {
      const r = await gtlsclient(server.port, ['/healthz'], { verbose: true, extra: resumeFrom(dir), timeoutMs: 30_000 });
      if (r.code !== 0 || gtlsStatuses(r)[0] !== '200') throw new Error(`gtlsclient exit ${r.code}, statuses ${gtlsStatuses(r).join(',')}`);
      return !earlyDataRejected(r);
    };
    const second = await inEarlyData(dirs[1]!);
    const first = await inEarlyData(dirs[0]!);
    return { second, first };
  } finally {
    await server.close();
  }
}

t.test('a 2 s window: a ticket older than the window, after another 0-RTT rolled it over, resumes without early data', async (t) => {
  const { second, first } = await returningClients(2);
  t.ok(second, 'the client that rolled the window over had its ticket from the window before it started, so its 0-RTT was accepted');
  t.notOk(first, 'the other 3 s old ticket: early data refused (the request went in 1-RTT and was answered)');
});

t.test('a 60 s window: both 3 s old tickets carry 0-RTT', async (t) => {
  const { second, first } = await returningClients(60);
  t.ok(second && first, `early data accepted for both (${second}, ${first})`);
});
// A window out of range is a config error: test/cli.test.ts.
