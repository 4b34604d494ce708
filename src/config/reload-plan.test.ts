import t from 'tap';
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from './config.js';
import { planReload } from './reload-plan.js';

const running: ServeConfig = { ...DEFAULT_SERVE_CONFIG, upstreams: ['https://a:8443'], regionPrefixes: { '10.0.0.0/8': 'eu', '10.1.0.0/16': 'us' } };

t.test('live fields are taken over, restart-only ones keep their running value', async (t) => {
  const plan = planReload(running, { ...running, openContent: true, logLevel: 'debug', port: 9443, cacheBytes: 1 });
  t.same(plan.applied, ['logLevel', 'openContent']);
  t.same(plan.needRestart, ['port', 'cacheBytes']);
  t.match(plan.next, { openContent: true, logLevel: 'debug', port: running.port, cacheBytes: running.cacheBytes });
  t.equal(running.openContent, false, 'the running config is not modified');
});

t.test('an unchanged file changes nothing, whatever the key order of its objects', async (t) => {
  const plan = planReload(running, { ...running, regionPrefixes: { '10.1.0.0/16': 'us', '10.0.0.0/8': 'eu' } });
  t.same(plan, { next: running, applied: [], needRestart: [] });
});

t.test('upstreams change live within an edge; turning an origin into an edge or back needs a restart', async (t) => {
  t.same(planReload(running, { ...running, upstreams: ['https://b:8443'] }).applied, ['upstreams']);
  t.same(planReload(running, { ...running, upstreams: [] }).needRestart, ['upstreams']);
  t.same(planReload({ ...running, upstreams: [] }, running).needRestart, ['upstreams']);
});
