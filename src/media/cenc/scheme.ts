import { createCipheriv } from 'node:crypto';

/** Common Encryption schemes we write (ISO/IEC 23001-7): AES-CTR, and AES-CBC with a pattern. */
export type CencScheme = 'cenc' | 'cbcs';

const AES_BLOCK = 16;

/**
 * The 'cbcs' pattern (§10.4): video encrypts 1 block in every 10 (1:9, as CMAF and FairPlay
 * expect); audio encrypts every whole block (0:0 means "no pattern").
 */
export function cbcsPattern(kind: 'video' | 'audio'): { crypt: number; skip: number } {
  return kind === 'video' ? { crypt: 1, skip: 9 } : { crypt: 0, skip: 0 };
}

/**
 * Encrypts one protected range in place with AES-128-CBC from the constant IV, following the
 * pattern: the chain runs through the encrypted blocks only; skipped blocks and a trailing
 * partial block stay clear (§10.4.2; Chromium's cbcs_decryptor reads it the same way).
 */
export function cbcsEncryptRange(key: Buffer, iv: Buffer, range: Buffer, pattern: { crypt: number; skip: number }): void {
  const blocks = Math.floor(range.length / AES_BLOCK);
  if (blocks === 0) return;
  const cipher = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  if (pattern.crypt === 0) {
    cipher.update(range.subarray(0, blocks * AES_BLOCK)).copy(range, 0);
    return;
  }
  for (let b = 0; b < blocks; b += pattern.crypt + pattern.skip) {
    const n = Math.min(pattern.crypt, blocks - b);
    cipher.update(range.subarray(b * AES_BLOCK, (b + n) * AES_BLOCK)).copy(range, b * AES_BLOCK);
  }
}
