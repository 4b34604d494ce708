import { readFileSync } from 'node:fs';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { ConfigError } from '../config/errors.js';

/** Certificate chain and key as PEM, checked to parse and to belong together. */
export interface Credentials {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/** Loads PEM files named in the config; a missing or mismatched pair is a ConfigError. */
export function loadCredentials(certFile: string, keyFile: string): Credentials {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error('key does not match certificate');
  } catch (err) {
    throw new ConfigError(`TLS credentials ${certFile} / ${keyFile}: ${(err as Error).message}`);
  }
  return { cert, key, certFile, keyFile };
}

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's --ignore-certificate-errors-spki-list wants. */
export function spkiHash(certPem: Buffer): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'} (run \`make setup\` to create dev certificates)`);
  }
}
