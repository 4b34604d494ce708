import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

export interface TestCerts {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  spki: string;
}

/** A fresh dev certificate in a temp dir, made by the same script as `make setup`. */
export function makeTestCerts(): TestCerts {
  const dir = scratchDir('h3edge-certs-');
  execFileSync('bash', [join(import.meta.dirname, '../../scripts/make-dev-certs.sh'), dir], { stdio: 'ignore' });
  return {
    certFile: join(dir, 'dev-cert.pem'),
    keyFile: join(dir, 'dev-key.pem'),
    cert: readFileSync(join(dir, 'dev-cert.pem')),
    spki: readFileSync(join(dir, 'spki.txt'), 'utf8').trim(),
  };
}
