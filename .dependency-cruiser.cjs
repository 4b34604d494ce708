/**
 * The layering of the style guide ("The shape of the house", "Dependencies point inward") as
 * dependency-cruiser rules. `make layers` prints every violation; test/architecture.test.ts runs
 * the same check in the suite and proves each rule fires on a scratch copy of the tree.
 *
 * Each folder of src/ is a layer and may import only itself and the layers listed for it. Type-only
 * imports count (`tsPreCompilationDeps`): a type cycle is a cycle, and a type import from a layer
 * above is an arrow that runs up.
 */

/** What each layer of src/ may import besides itself, and why. Nothing else of src/ is allowed. */
const LAYERS = {
  config: {
    may: ['native'],
    why: 'config is data (schema, defaults, validation): it takes what the engine accepts from the engine binding, and nothing else of the node',
  },
  priority: { may: [], why: 'RFC 9218 parsing, resource classes and send scheduling: a library, no config, no sockets' },
  media: { may: [], why: 'HLS/DASH/TTML models, packaging and rewriting: a library, no config, no sockets' },
  client: { may: [], why: 'the outgoing HTTP/3 client (edge upstreams, tests, benches): no part of the server' },
  cmcd: { may: [], why: 'CTA-5004 client data read from requests and CTA-5006 server data written on responses: a library over the field codecs, no config, no sockets' },
  native: {
    may: ['priority'],
    why: 'addons and their typed bindings, the one home of what an engine accepts and counts (congestion controllers, window bounds, stats): the priority type, nothing that reads config or handles requests',
  },
  cache: { may: ['native'], why: 'the mmap segment cache is a library over the mmap addon: it returns bytes and file identity, never HTTP validators' },
  http: { may: ['priority', 'config', 'cmcd'], why: 'the core (Exchange, router, conditional, ranges, errors) knows no transport, no handler and no feature' },
  tls: { may: ['config', 'native'], why: 'certificates and ticket keys: below the transports, knows no request' },
  observe: {
    may: ['http', 'config', 'cache', 'media', 'priority', 'native', 'cmcd'],
    why: 'logger, metrics and health read the shapes they declare; they never import a transport or a feature (those satisfy the shapes structurally)',
  },
  content: { may: ['http', 'config', 'cache', 'media', 'priority', 'cmcd'], why: 'files for handlers (ContentStore, content handler, ETags): built on http/ and the cache, knows no feature' },
  playback: { may: ['content', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'], why: 'a feature: handlers on http/ types, never a transport or an engine' },
  home: { may: ['content', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'], why: 'a feature: handlers on http/ types, never a transport or an engine' },
  edge: {
    may: ['content', 'client', 'http', 'config', 'media', 'priority', 'observe', 'cmcd'],
    // The token an edge signs for its upstream is the one the origin's /t/ path verifies.
    mayAlso: ['src/playback/token.ts', 'src/playback/keyset.ts'],
    why: 'a feature: fetches through client/, stores through content/; of playback only the token contract',
  },
  transport: {
    may: ['http', 'native', 'priority', 'tls', 'config'],
    why: 'transports adapt a protocol to the core: they depend on http/ and native/ engines, never on a handler, a feature, the cache or observe (the core reports completion)',
  },
  'server.ts': {
    may: ['config', 'priority', 'media', 'client', 'cmcd', 'native', 'cache', 'http', 'tls', 'observe', 'content', 'playback', 'home', 'edge', 'transport'],
    why: 'server.ts wires the pieces together: the only module that knows them all, and the only one that imports a transport',
  },
  cli: {
    may: ['config', 'priority', 'media', 'client', 'cmcd', 'native', 'cache', 'http', 'tls', 'observe', 'content', 'playback', 'home', 'edge', 'server.ts'],
    why: 'the command line parses arguments and starts server.ts or a subcommand; it reaches transports only through server.ts',
  },
};

/** `^src/x/` for a folder, `^src/x\.ts$` for a file. */
const place = (name) => (name.endsWith('.ts') ? `^src/${name.replace(/\./g, '\\.')}$` : `^src/${name}/`);
const file = (path) => `^${path.replace(/\./g, '\\.')}$`;

const layerRules = Object.entries(LAYERS).map(([layer, { may, mayAlso = [], why }]) => ({
  name: `layer-${layer}`,
  comment: `src/${layer}${layer.endsWith('.ts') ? '' : '/'} may import ${may.length ? may.map((l) => `src/${l}${l.endsWith('.ts') ? '' : '/'}`).join(', ') : 'nothing of src/'}${
    mayAlso.length ? ` (and ${mayAlso.join(', ')})` : ''
  } besides itself: ${why}`,
  severity: 'error',
  from: { path: place(layer) },
  to: { path: '^src/', pathNot: [place(layer), ...may.map(place), ...mayAlso.map(file)] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included: if two modules need each other, a third one is missing',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'known-layer',
      comment: `every module of src/ lives in a layer this file names (${Object.keys(LAYERS).join(', ')}): a new folder gets its rule here first`,
      severity: 'error',
      from: { path: '^src/', pathNot: Object.keys(LAYERS).map(place) },
      to: {},
    },
    {
      name: 'src-stands-alone',
      comment: 'the node never imports tests, benches, scripts or the browser code',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts|web)/' },
    },
    {
      name: 'web-takes-api-shapes',
      comment: 'the browser bundle shares only the API shapes with the node (types, no imports), so it cannot pull server code in',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/home/api-shapes\\.ts$' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.check.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|build|build-asan)/|^test/fixtures/' },
    reporterOptions: { text: { highlightFocused: false } },
  },
};
