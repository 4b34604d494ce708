import t from 'tap';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile, resolveServeConfig } from '../src/config/load.js';
import { h2Client, h3Client } from './helpers/clients.js';
import { makeTestCerts } from './helpers/certs.js';
import { makeTestMedia } from './helpers/media.js';
import { run, spawnServe } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';
import { startTestServer } from './helpers/server.js';

// The operators' files in deploy/ checked by the tools operators run them with: systemd's own
// verifier for the unit, the node's config loader for the example configs, a live /metrics for
// every metric the Grafana dashboard plots, and Prometheus' linter for /metrics itself.
const DEPLOY = join(import.meta.dirname, '../deploy');

t.test('deploy/h3edge.service passes systemd-analyze verify and runs the node as the README says', async (t) => {
  const unit = join(DEPLOY, 'h3edge.service');
  const r = await run('systemd-analyze', ['verify', unit], { timeoutMs: 60_000 });
  t.equal(r.code, 0, 'systemd-analyze verify exits 0');
  t.equal(r.stderr.trim(), '', 'and has nothing to say');
  const text = readFileSync(unit, 'utf8');
  t.match(text, /^ExecStart=\/usr\/bin\/node \/opt\/h3edge\/bin\/h3edge\.js serve --config \/etc\/h3edge\/h3edge\.json$/m, 'serve with the config file');
  t.match(text, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m, 'reload is SIGHUP (certificate, token keys, live settings)');
  t.match(text, /^KillSignal=SIGTERM$/m, 'stop is SIGTERM: the node drains');
  t.match(text, /^RestartPreventExitStatus=2$/m, 'a config error (exit 2) is not restarted in a loop');
  const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(text)?.[1]);
  for (const file of ['origin.json', 'edge.json']) {
    const grace = loadConfigFile(join(DEPLOY, file)).shutdownGraceMs ?? 10_000;
    t.ok(stopSec * 1000 > grace, `${file}: systemd waits longer (${stopSec} s) than the node drains (${grace} ms)`);
  }
});

t.test("the example configs pass the node's own config loader", async (t) => {
  const origin = resolveServeConfig(loadConfigFile(join(DEPLOY, 'origin.json')), {});
  t.same(origin.upstreams, [], 'origin.json: an origin (no upstreams)');
  t.equal(origin.openContent, false, 'tokens enforced');
  t.ok(origin.tokenKeys, 'a shared token key file');
  t.ok(origin.cdns.length >= 2, 'ranks its CDNs');
  const edge = resolveServeConfig(loadConfigFile(join(DEPLOY, 'edge.json')), {});
  t.ok(edge.upstreams.length >= 2, 'edge.json: an edge with upstreams to fail over between');
  t.ok(edge.upstreamCa, 'trusts the origins through their CA');
  t.equal(edge.fillWindow, '02:00-06:00', 'runs the nightly fill itself');
  t.match(edge.media, /^\/var\/lib\/h3edge\//, "writes pulled titles under the unit's StateDirectory");
  for (const c of [origin, edge]) t.equal(c.tokenKeys, edge.tokenKeys, 'origin and edge share one token key file');
  // And the loader still refuses what it should: a typo in a copied example is one clear error.
  const bad = join(scratchDir('h3edge-deploy-'), 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(join(DEPLOY, 'edge.json'), 'utf8')), upstream: ['https://x'] }));
  t.throws(() => loadConfigFile(bad), /unknown key "upstream"/);
});

t.test('deploy/prometheus.yml passes promtool check config and scrapes the admin port of the example configs', async (t) => {
  const file = join(DEPLOY, 'prometheus.yml');
  const r = await run('promtool', ['check', 'config', file], { timeoutMs: 30_000 });
  t.equal(r.code, 0, `promtool check config: ${r.stdout.trim()} ${r.stderr.trim()}`);
  const target = /targets: \['127\.0\.0\.1:(\d+)'\]/.exec(readFileSync(file, 'utf8'))?.[1];
  for (const config of ['origin.json', 'edge.json']) t.equal(loadConfigFile(join(DEPLOY, config)).adminPort, Number(target), `${config}: adminPort is the scraped port`);
});

/** Metric families a /metrics text declares (`# TYPE name kind`) and the label names each sample carries. */
function families(text: string): Map<string, { type: string; labels: Set<string> }> {
  const out = new Map<string, { type: string; labels: Set<string> }>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, { type: m[2]!, labels: new Set() });
  for (const m of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/gm)) {
    const family = out.get(m[1]!) ?? out.get(m[1]!.replace(/_(bucket|sum|count)$/, ''));
    for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) family?.labels.add(l[1]!);
  }
  return out;
}

/** A series name in PromQL resolved to its family: histograms are read through _bucket, _sum, _count. */
function familyOf(name: string, known: Map<string, { type: string }>): string | undefined {
  if (known.has(name)) return known.get(name)!.type === 'histogram' ? undefined : name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return known.get(base)?.type === 'histogram' ? base : undefined;
}

t.test('every metric the Grafana dashboard plots is on a live /metrics of an origin and an edge; promtool accepts /metrics', async (t) => {
  const certs = makeTestCerts();
  const media = makeTestMedia();
  const tokenKeys = join(scratchDir('h3edge-deploy-keys-'), 'tokens.json');
  writeFileSync(tokenKeys, JSON.stringify({ current: 'k1', keys: { k1: randomBytes(32).toString('base64') } }));
  const origin = await startTestServer({ media: media.dir, tokenKeys, host: '::', logLevel: 'warn' }, certs);
  t.teardown(() => origin.close());
  const edge = await startTestServer({ media: scratchDir('h3edge-deploy-edge-'), tokenKeys, upstreams: [origin.origin], upstreamCa: certs.caFile, fillWindow: '02:00-06:00', host: '::', logLevel: 'warn' }, certs);
  t.teardown(() => edge.close());
  // Traffic of every kind the dashboard shows: h2 and h3, a pull through the edge, a playback
  // session with QoE beacons, an error.
  for (const server of [origin, edge]) {
    const h2 = await h2Client(server.origin, certs.ca);
    const h3 = await h3Client(server.origin, certs.ca);
    for (const c of [h2, h3]) {
      t.equal((await c.request('/content/demo/master.m3u8')).status, 200);
      t.equal((await c.request('/content/demo/nope.m4s')).status, 404);
    }
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
    const grant = JSON.parse((await h2.request('/v1/playback', json({ profileId: 'ops', titleId: 'demo', device: { platform: 'web', maxHeight: 720 } }))).body.toString());
    const events = [{ type: 'startup', ms: 900 }, { type: 'rebuffer', ms: 200 }, { type: 'switch', height: 540, kbps: 1500 }, { type: 'failover', reason: 'timeout' }];
    t.equal((await h2.request('/v1/qoe', json({ sessionId: grant.sessionId, events }))).status, 202, 'QoE beacon taken');
    await h2.close();
    await h3.close();
  }

  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana/h3edge-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((q) => ({ panel: p.title, expr: q.expr })));
  t.ok(exprs.length >= 30, `${exprs.length} queries in ${dashboard.panels.length} panels`);
  const originText = (await (await h2Client(origin.origin, certs.ca)).request('/metrics')).body.toString();
  const edgeText = (await (await h2Client(edge.origin, certs.ca)).request('/metrics')).body.toString();
  const known = families(edgeText);
  for (const [name, f] of families(originText)) if (!known.has(name)) known.set(name, f);
  // A family without samples yet (no fill has run, no 0-RTT request came) shows no labels in the
  // text: its label names come from the node's registry, the same objects /metrics is made from.
  for (const [name, f] of known) {
    for (const server of [edge, origin]) {
      const declared = (server.metrics.registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined)?.labelNames ?? [];
      for (const l of declared) f.labels.add(l);
    }
  }
  // Labels Prometheus adds to every scraped series, and the bucket label of histograms.
  const scrapeLabels = new Set(['instance', 'job', 'le']);
  const unknown: string[] = [];
  const badLabels: string[] = [];
  let checked = 0;
  for (const { panel, expr } of exprs) {
    for (const m of expr.matchAll(/\b(h3edge_[a-z0-9_]+)(\{[^}]*\})?/g)) {
      const family = familyOf(m[1]!, known);
      if (!family) {
        unknown.push(`${panel}: ${m[1]}`);
        continue;
      }
      checked++;
      const labels = known.get(family)!.labels;
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) if (!scrapeLabels.has(l[1]!) && !labels.has(l[1]!)) badLabels.push(`${panel}: ${m[1]}{${l[1]}}`);
    }
    // Labels grouped by must exist on some series of the expression's metrics.
    const metricLabels = new Set([...expr.matchAll(/\b(h3edge_[a-z0-9_]+)/g)].flatMap((m) => [...(known.get(familyOf(m[1]!, known) ?? '')?.labels ?? [])]));
    for (const g of expr.matchAll(/\bby \(([^)]*)\)/g)) for (const l of g[1]!.split(',').map((s) => s.trim())) if (!scrapeLabels.has(l) && !metricLabels.has(l)) badLabels.push(`${panel}: by (${l})`);
  }
  t.same(unknown, [], 'no metric the node does not export');
  t.same(badLabels, [], 'no label its series do not carry');
  t.ok(checked >= 35, `${checked} metric references checked`);
  t.notMatch(exprs.map((e) => e.expr).join('\n'), /\b(?!h3edge_)[a-z]+_[a-z_]+_(total|seconds|bytes)\b/, 'only h3edge_ metrics');

  for (const [name, text] of [
    ['origin', originText],
    ['edge', edgeText],
  ] as const) {
    const lint = await run('promtool', ['check', 'metrics'], { input: text, timeoutMs: 30_000 });
    t.equal(lint.code, 0, `promtool check metrics: ${name} /metrics passes${lint.code === 0 ? '' : `: ${lint.stdout}${lint.stderr}`}`);
  }
});

t.test("promtool accepts /metrics of a node with workers (the primary's aggregation)", async (t) => {
  const certs = makeTestCerts();
  const node = await spawnServe(['--cert', certs.certFile, '--key', certs.keyFile, '--media', makeTestMedia().dir, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--open-content', '--log-level', 'warn']);
  t.teardown(() => node.child.kill('SIGKILL'));
  const c = await h2Client(`https://localhost:${node.port}`, certs.ca);
  t.teardown(() => c.close());
  for (let i = 0; i < 4; i++) t.equal((await c.request('/content/demo/master.m3u8')).status, 200);
  // As Prometheus would: scrape a node that says it is ready (bounded wait).
  const readyBy = Date.now() + 20_000;
  while ((await c.request('/readyz')).status !== 200 && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 200));
  const scrape = await c.request('/metrics');
  const text = scrape.body.toString();
  t.equal(scrape.status, 200, `/metrics answers 200${scrape.status === 200 ? '' : `: ${text.slice(0, 200)}`}`);
  t.match(text, /h3edge_requests_total\{[^}]*\} \d+/);
  const lint = await run('promtool', ['check', 'metrics'], { input: text, timeoutMs: 30_000 });
  t.equal(lint.code, 0, `promtool check metrics passes${lint.code === 0 ? '' : `: ${lint.stdout}${lint.stderr}`}`);
});
