import type { Test } from 'tap';
import type { ProtocolClient } from './clients.js';
import type { TestServer } from './server.js';

/** Opens a well-behaved client of one protocol to the server. */
export type Connect = (origin: string, ca: Buffer) => Promise<ProtocolClient>;

/** Mean time of `n` sequential manifest requests by a fresh well-behaved client. */
export async function latencyMs(connect: Connect, server: TestServer, n = 20): Promise<number> {
  const client = await connect(server.origin, server.certs.cert);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const r = await client.request('/content/demo/master.m3u8');
    if (r.status !== 200) throw new Error(`well-behaved client got ${r.status}`);
  }
  await client.close();
  return (performance.now() - started) / n;
}

/** How an attack tells the measurement it is under way (one that runs in another process needs time to start). */
export interface AttackControl {
  /** Called by the attack once its traffic flows; the well-behaved client measures from then. */
  started(): void;
}

/**
 * Runs `attack` while a well-behaved client measures its latency (printed, never asserted);
 * checks that memory stayed bounded and the server still answers afterwards. With
 * `waitForStart` the measurement begins when the attack calls `started()` (or ends), else at once.
 */
export async function duringAttack(
  t: Test,
  connect: Connect,
  server: TestServer,
  name: string,
  attack: (control: AttackControl) => Promise<void>,
  opts: { waitForStart?: boolean } = {},
): Promise<void> {
  const quiet = await latencyMs(connect, server);
  const rssBefore = process.memoryUsage().rss;
  let started: () => void = () => {};
  const underWay = new Promise<void>((resolve) => (started = resolve));
  const running = attack({ started });
  if (opts.waitForStart) await Promise.race([underWay, running]);
  const loud = await latencyMs(connect, server);
  await running;
  const grownMb = (process.memoryUsage().rss - rssBefore) / 1e6;
  t.comment(`${name}: well-behaved request ${quiet.toFixed(2)} ms quiet, ${loud.toFixed(2)} ms during the attack (×${(loud / quiet).toFixed(1)}); RSS +${grownMb.toFixed(0)} MB`);
  t.ok(grownMb < 200, `${name}: memory bounded (+${grownMb.toFixed(0)} MB)`);
  const after = await connect(server.origin, server.certs.cert);
  const status = (await after.request('/healthz')).status;
  await after.close();
  t.equal(status, 200, `${name}: server answers afterwards`);
}
