import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';

export interface TestCerts {
  /** The server's chain: the leaf (CA:FALSE, localhost, 127.0.0.1, ::1), then the CA. */
  certFile: string;
  keyFile: string;
  cert: Buffer;
  /** The local CA that signed the leaf: what a client trusts. */
  caFile: string;
  ca: Buffer;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
  spki: string;
}

/**
 * A fresh local CA and leaf in a temp dir, made by the same script as `make setup`; `extraSans`
 * (`IP:10.77.0.2`) adds names to the leaf's.
 */
export function makeTestCerts(extraSans: string[] = []): TestCerts {
  const dir = scratchDir('h3edge-certs-');
  execFileSync('bash', [join(import.meta.dirname, '../../scripts/make-dev-certs.sh'), dir], { stdio: 'ignore', env: { ...process.env, EXTRA_SAN: extraSans.join(',') } });
  return {
    certFile: join(dir, 'dev-cert.pem'),
    keyFile: join(dir, 'dev-key.pem'),
    cert: readFileSync(join(dir, 'dev-cert.pem')),
    caFile: join(dir, 'dev-ca.pem'),
    ca: readFileSync(join(dir, 'dev-ca.pem')),
    spki: readFileSync(join(dir, 'spki.txt'), 'utf8').trim(),
  };
}
