// An h3edge node inside the server namespace of a fresh emulated link (bench/lossy's relay and
// server start-up), serving the lossy bench's synthetic title, and the manifest-under-load client
// run from the client namespace. Root only; everything is removed at the test's teardown.
import type { Test } from 'tap';
import { join } from 'node:path';
import { LinkEmulator, SERVER_ADDR, buildRelay, type LinkSettings } from '../../bench/lossy/link.js';
import { makeLossyTitle, type LossyTitle } from '../../bench/lossy/media.js';
import { startH3edgeInNetns } from '../../bench/lossy/servers.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { H3EDGE, run } from './run.js';
import { scratchDir } from './scratch.js';

const PORT = 8443;

export interface LinkNode {
  link: LinkEmulator;
  title: LossyTitle;
  certs: TestCerts;
}

/** The node runs the sources (as every test's server does) with the lossy bench's configuration. */
export async function serveOnEmulatedLink(t: Test, settings: LinkSettings, segmentSeconds: number, config: Record<string, unknown> = {}): Promise<LinkNode> {
  const work = scratchDir('h3edge-link-');
  const link = LinkEmulator.create(process.pid, buildRelay(work));
  t.teardown(() => link.destroy());
  const certs = makeTestCerts();
  const title = makeLossyTitle(join(work, 'media'), segmentSeconds);
  const server = await startH3edgeInNetns(link.srv, PORT, { media: join(work, 'media'), cert: certs.certFile, key: certs.keyFile, work }, H3EDGE, config);
  t.teardown(() => server.stop());
  await link.configure(settings, 1);
  return { link, title, certs };
}

export interface ManifestUnderLoad {
  handshakeMs: number;
  manifestHeadMs: number;
  bulkBytesAhead: number;
  manifest: { status: number; bytes: number };
  bulk: Array<{ status: number; bytes: number }>;
}

/** Four segments on one connection, the manifest asked for once `trigger` bytes of them arrived or `afterMs` after they were asked for (helpers/manifest-under-load.ts). */
export async function manifestUnderLoad(t: Test, node: LinkNode, protocol: 'h2' | 'h3', trigger: number | { afterMs: number }): Promise<ManifestUnderLoad> {
  const client = join(import.meta.dirname, 'manifest-under-load.ts');
  const bulk = node.title.videoSegments.slice(0, 4).map((p) => `/content/${p}`);
  const [cmd, args] = node.link.exec('cli', process.execPath, ['--import', 'tsx', client, protocol, `${SERVER_ADDR}:${PORT}`, node.certs.certFile, typeof trigger === 'number' ? String(trigger) : `after:${trigger.afterMs}`, `/content/${node.title.manifest}`, ...bulk]);
  const r = await run(cmd, args, { timeoutMs: 60_000 });
  t.equal(r.code, 0, `client exits 0 (${r.stderr.slice(-300)})`);
  const out = JSON.parse(r.stdout) as ManifestUnderLoad;
  t.equal(out.manifest.status, 200);
  t.equal(out.manifest.bytes, node.title.sizes.get(node.title.manifest), 'manifest whole');
  t.same(out.bulk.map((b) => b.bytes), node.title.videoSegments.slice(0, 4).map((p) => node.title.sizes.get(p)), 'segments whole');
  return out;
}
