import t from 'tap';
import { once } from 'node:events';
import { copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import { join } from 'node:path';
import { spawnServe, type ServeProcess } from './helpers/run.js';
import { makeTestCerts, type TestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { getFieldSection, rawH3 } from './helpers/raw-h3.js';

// A served file changed in place while a download of it runs: truncated, or overwritten by cp
// (which truncates first). Reading the lost pages of its mapping raised SIGBUS and killed the
// node. Now the node survives, the response from the changed file is reset (never completed
// with wrong bytes), and every other response goes on.
const BIG_BYTES = 16 * 1024 * 1024;
const OTHER_BYTES = 4 * 1024 * 1024;

/** An HTTP/2 download read slowly (so it is mid-way when the file changes); resolves with how it ended. */
function slowH2Download(port: number, certs: TestCerts, path: string): { started: Promise<void>; done: Promise<{ bytes: number; complete: boolean; rstCode?: number }> } {
  const session = http2.connect(`https://localhost:${port}`, { ca: certs.ca, settings: { initialWindowSize: 256 * 1024 } });
  session.on('error', () => {});
  const req = session.request({ ':path': path }, { endStream: true });
  let bytes = 0;
  let started: () => void = () => {};
  const running = new Promise<void>((r) => (started = r));
  const done = new Promise<{ bytes: number; complete: boolean; rstCode?: number }>((resolve) => {
    let complete = false;
    req.on('data', (d: Buffer) => {
      bytes += d.length;
      started();
      req.pause();
      setTimeout(() => req.resume(), 2);
    });
    req.on('end', () => (complete = true));
    req.on('error', () => {});
    req.on('close', () => {
      session.close();
      resolve({ bytes, complete, rstCode: req.rstCode });
    });
  });
  return { started: running, done };
}

async function fetchAll(port: number, certs: TestCerts, path: string): Promise<Buffer> {
  const session = http2.connect(`https://localhost:${port}`, { ca: certs.ca });
  const req = session.request({ ':path': path }, { endStream: true });
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  await once(req, 'end');
  session.close();
  return Buffer.concat(chunks);
}

for (const workers of [1, 2]) {
  for (const change of ['truncate -s 1M', 'cp small big'] as const) {
    t.test(`--workers ${workers}: ${change} during HTTP/2 and HTTP/3 downloads`, async (t) => {
      const certs = makeTestCerts();
      const media = makeTestMedia();
      const big = join(media.dir, 'big.mp4');
      const other = randomBytes(OTHER_BYTES);
      writeFileSync(big, randomBytes(BIG_BYTES));
      writeFileSync(join(media.dir, 'other.mp4'), other);
      writeFileSync(join(media.dir, 'small.mp4'), randomBytes(100_000));
      const server: ServeProcess = await spawnServe(['--open-content', '--workers', String(workers), '--host', '127.0.0.1', '--port', '0', '--media', media.dir, '--cert', certs.certFile, '--key', certs.keyFile]);
      t.teardown(() => void server.child.kill('SIGKILL'));
      await server.logged((l) => l.msg === 'listening', workers);

      // HTTP/3: a window of 256 KiB read 64 KiB at a time with pauses, so the download is mid-way.
      const h3 = await rawH3(server.port, certs.ca, { receiveWindowBytes: 256 * 1024 });
      t.teardown(() => h3.close());
      const h3Download = h3.fetch(getFieldSection('/content/big.mp4'), { pauseMsPerRead: 2 });
      const h3Done = h3Download.done.catch((err: Error) => ({ error: err.message, bytes: -1 }));
      const h2Download = slowH2Download(server.port, certs, '/content/big.mp4');
      await Promise.all([h2Download.started, h3Download.firstBytes]);
      await new Promise((r) => setTimeout(r, 300));
      if (change === 'truncate -s 1M') truncateSync(big, 1024 * 1024);
      else copyFileSync(join(media.dir, 'small.mp4'), big);
      // Meanwhile another file downloads whole, from whichever worker.
      const otherCopy = await fetchAll(server.port, certs, '/content/other.mp4');
      t.ok(otherCopy.equals(other), 'another download completes byte-exact');

      const h2Result = await h2Download.done;
      t.notOk(h2Result.complete && h2Result.bytes === BIG_BYTES, `HTTP/2: the changed file's response is not completed (${h2Result.bytes} bytes, complete ${h2Result.complete})`);
      t.equal(h2Result.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR, 'HTTP/2: the stream is reset with INTERNAL_ERROR');
      const h3Result = await h3Done;
      t.ok('error' in h3Result, `HTTP/3: the changed file's response is reset, not completed (${JSON.stringify(h3Result)})`);

      t.equal(server.child.exitCode, null, 'the node is still running');
      t.notMatch(server.stdout(), /worker exited/, 'no worker died');
      const after = await fetchAll(server.port, certs, '/content/big.mp4');
      t.equal(after.length, change === 'truncate -s 1M' ? 1024 * 1024 : 100_000, 'the file is served in its new state');
      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      const [code] = await exited;
      t.equal(code, 0, 'and the node drains and exits 0');
    });
  }
}
