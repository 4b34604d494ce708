import t from 'tap';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { run } from './helpers/run.js';
import { scratchDir } from './helpers/scratch.js';

// The layering of shared/STYLE.md, checked by dependency-cruiser with the rules in
// .dependency-cruiser.cjs (what `make layers` runs): first over the real tree, then over a
// fixture tree that holds every arrow between two layers, to show each rule fires where the
// layering forbids an import and stays quiet where it allows one.

const ROOT = join(import.meta.dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const RULES = new Map((createRequire(import.meta.url)(CONFIG) as { forbidden: Array<{ name: string; comment: string }> }).forbidden.map((r) => [r.name, r.comment]));

interface Violation {
  type: string;
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

interface Cruise {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; dependencyTypes: string[] }> }>;
  summary: { violations: Violation[] };
}

async function cruise(cwd: string, paths: string[]): Promise<Cruise> {
  const r = await run(DEPCRUISE, ['--config', CONFIG, '--output-type', 'json', ...paths], { cwd, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`depcruise exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Cruise;
}

/** One line a violation, as `make layers` would name it, with the rule's reason. */
function describe(v: Violation): string {
  const path = v.cycle ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`;
  return `${v.rule.name}: ${path} (${RULES.get(v.rule.name) ?? 'unknown rule'})`;
}

t.test('the tree keeps the layering: no import cycle (type-only imports included), no import against the layers', async (t) => {
  const result = await cruise(ROOT, ['src', 'test', 'bench', 'scripts', 'web']);
  const node = result.modules.filter((m) => m.source.startsWith('src/'));
  t.ok(node.length > 150, `the node's modules were read (${node.length})`);
  const typeOnly = node.flatMap((m) => m.dependencies).filter((d) => d.dependencyTypes.includes('type-only'));
  t.ok(typeOnly.length > 50, `type-only imports are arrows too (${typeOnly.length})`);
  const lines = result.summary.violations.map(describe);
  t.same(lines, [], lines.length ? `violations:\n${lines.join('\n')}` : 'no violations');
});

/**
 * The layering, restated from shared/STYLE.md as the fixture's expectations: what each layer of src/
 * may import besides itself. The rules file must agree with it both ways.
 */
const MAY: Record<string, readonly string[]> = {
  config: ['native'],
  priority: [],
  media: [],
  client: [],
  cmcd: [],
  native: ['priority'],
  cache: ['native'],
  http: ['priority', 'config', 'cmcd'],
  tls: ['config', 'native'],
  observe: ['http', 'config', 'cache', 'media', 'priority', 'native', 'cmcd'],
  content: ['http', 'config', 'cache', 'media', 'priority', 'cmcd'],
  playback: ['content', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'],
  home: ['content', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'],
  edge: ['content', 'client', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'],
  transport: ['http', 'native', 'priority', 'tls', 'config'],
  'server.ts': ['config', 'priority', 'media', 'client', 'cmcd', 'native', 'cache', 'http', 'tls', 'observe', 'content', 'playback', 'home', 'edge', 'transport'],
  cli: ['config', 'priority', 'media', 'client', 'cmcd', 'native', 'cache', 'http', 'tls', 'observe', 'content', 'playback', 'home', 'edge', 'server.ts'],
};

/** The module of a fixture layer that others import. */
const target = (layer: string): string => (layer === 'server.ts' ? 'src/server.ts' : `src/${layer}/a.ts`);

t.test('each rule fires on a type-only import the layering forbids, and only there', async (t) => {
  const dir = scratchDir('h3edge-layers-');
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  // Imports in the fixture are type-only, the weakest kind: if they count, every kind does.
  const importFrom = (from: string, to: string, name: string): string =>
    `import type { A as ${name} } from '${'../'.repeat(from.split('/').length - 1)}${to.replace(/\.ts$/, '.js')}';\n`;
  copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  copyFileSync(join(ROOT, 'tsconfig.check.json'), join(dir, 'tsconfig.check.json'));

  const layers = Object.keys(MAY);
  const expected = new Set<string>();
  let serverImports = '';
  for (const layer of layers) {
    if (layer !== 'server.ts') put(target(layer), 'export type A = number;\n');
    for (const other of layers) {
      if (other === layer) continue;
      const to = target(other);
      const from = layer === 'server.ts' ? 'src/server.ts' : `src/${layer}/to-${other.replace('.ts', '')}.ts`;
      const line = importFrom(from, to, `From${other.replace(/\W/g, '')}`);
      if (layer === 'server.ts') serverImports += line;
      else put(from, line);
      if (!MAY[layer]?.includes(other)) expected.add(`layer-${layer} ${from} → ${to}`);
    }
  }
  put('src/server.ts', `${serverImports}export type A = number;\n`);

  // Of playback an edge may take only the token contract.
  put('src/playback/token.ts', 'export type A = number;\n');
  put('src/playback/keyset.ts', 'export type A = number;\n');
  put('src/edge/signs-tokens.ts', importFrom('src/edge/signs-tokens.ts', 'src/playback/token.ts', 'T') + importFrom('src/edge/signs-tokens.ts', 'src/playback/keyset.ts', 'K'));
  // A folder no rule names.
  put('src/gadgets/a.ts', importFrom('src/gadgets/a.ts', 'src/http/a.ts', 'H'));
  expected.add('known-layer src/gadgets/a.ts → src/http/a.ts');
  // The node importing a test helper.
  put('test/helper.ts', 'export type A = number;\n');
  put('src/http/uses-test.ts', importFrom('src/http/uses-test.ts', 'test/helper.ts', 'X'));
  expected.add('src-stands-alone src/http/uses-test.ts → test/helper.ts');
  // The browser code: the API shapes yes, anything else of the node no.
  put('src/home/api-shapes.ts', 'export type A = number;\n');
  put('web/shapes.ts', importFrom('web/shapes.ts', 'src/home/api-shapes.ts', 'S'));
  put('web/rows.ts', importFrom('web/rows.ts', 'src/home/a.ts', 'R'));
  expected.add('web-takes-api-shapes web/rows.ts → src/home/a.ts');
  // A cycle made of type-only imports inside one layer.
  put('src/media/ring-1.ts', `${importFrom('src/media/ring-1.ts', 'src/media/ring-2.ts', 'B')}export type A = number;\n`);
  put('src/media/ring-2.ts', `${importFrom('src/media/ring-2.ts', 'src/media/ring-1.ts', 'B')}export type A = number;\n`);

  const result = await cruise(dir, ['src', 'test', 'web']);
  const got = result.summary.violations;
  const cycles = got.filter((v) => v.rule.name === 'no-circular');
  t.ok(cycles.length > 0, 'the type-only cycle is reported');
  t.ok(
    cycles.every((v) => [v.from, ...(v.cycle ?? []).map((c) => c.name)].every((m) => m.startsWith('src/media/ring-'))),
    `only the ring is a cycle: ${cycles.map(describe).join('; ')}`,
  );
  const reported = new Set(got.filter((v) => v.rule.name !== 'no-circular').map((v) => `${v.rule.name} ${v.from} → ${v.to}`));
  t.same([...expected].filter((e) => !reported.has(e)).sort(), [], 'every forbidden import is reported by its rule');
  t.same([...reported].filter((r) => !expected.has(r)).sort(), [], 'nothing the layering allows is reported');
  t.ok(expected.size > 100, `the fixture holds ${expected.size} forbidden imports`);

  // What `make layers` runs: the text report names the rule and fails the command.
  const text = await run(DEPCRUISE, ['--config', CONFIG, '--output-type', 'err-long', 'src', 'test', 'web'], { cwd: dir, timeoutMs: 120_000 });
  t.not(text.code, 0, 'the command fails');
  t.match(text.stdout, /layer-cache: src\/cache\/to-content\.ts → src\/content\/a\.ts/);
});
