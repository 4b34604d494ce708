#!/usr/bin/env node
// Builds every N-API addon under src/native/<name>/binding.gyp with node-gyp.
// Runs on `npm ci` (install script) and `make build`. An addon that fails to build is
// reported and the process exits non-zero, unless H3EDGE_NATIVE_OPTIONAL=1 (then its
// TypeScript wrapper falls back at run time and says so in one warning line).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'src', 'native');
const only = process.argv.slice(2);
const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) {
  console.log('build-native: node-gyp not installed yet, skipping');
  process.exit(0);
}
// Build against the installed Node's headers (Debian ships them in /usr/include/node); nothing is
// downloaded, which also keeps the build working on machines without internet access.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
let failed = 0;
for (const name of existsSync(nativeDir) ? readdirSync(nativeDir) : []) {
  const dir = join(nativeDir, name);
  if (!existsSync(join(dir, 'binding.gyp'))) continue;
  if (only.length && !only.includes(name)) continue;
  console.log(`build-native: ${name}`);
  // The HTTP/3 engine links ngtcp2 1.11 / nghttp3 1.8 statically from deps/quic (built once).
  if (name === 'quic') {
    const libs = spawnSync('bash', [join(root, 'scripts', 'build-quic-libs.sh')], { stdio: 'inherit' });
    if (libs.status !== 0) {
      failed++;
      console.error(`build-native: ${name} failed: scripts/build-quic-libs.sh exited ${libs.status}`);
      continue;
    }
  }
  const args = [gyp, 'rebuild', '--directory', dir, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  if (process.env.H3EDGE_ASAN === '1') args.push('--', '-Dasan=1');
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`build-native: ${name} failed (exit ${r.status})`);
  }
}
if (failed && process.env.H3EDGE_NATIVE_OPTIONAL !== '1') process.exit(1);
