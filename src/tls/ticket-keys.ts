import { randomBytes } from 'node:crypto';

/**
 * Secrets every worker of one node shares: session-ticket keys, so a client resumes (and, over QUIC,
 * sends 0-RTT) whichever worker its next connection reaches. 48 bytes each: the size both
 * OpenSSL's and BoringSSL's ticket callbacks take (name, HMAC key, AES key).
 */
export interface SharedTicketKeys {
  tcp: Buffer;
  quic: Buffer;
  /** Segment-token HMAC key for nodes without a token key file, so every worker accepts every token. */
  token: Buffer;
}

const KEY_BYTES = 48;

export function generateTicketKeys(random: (n: number) => Buffer = randomBytes): SharedTicketKeys {
  return { tcp: random(KEY_BYTES), quic: random(KEY_BYTES), token: random(32) };
}

/** Passed from the primary to its workers in the environment (never logged, never on disk). */
export function encodeTicketKeys(k: SharedTicketKeys): string {
  return [k.tcp, k.quic, k.token].map((b) => b.toString('base64')).join('.');
}

export function decodeTicketKeys(text: string | undefined): SharedTicketKeys | undefined {
  if (!text) return undefined;
  const [tcp, quic, token] = text.split('.').map((p) => Buffer.from(p, 'base64'));
  return tcp?.length === KEY_BYTES && quic?.length === KEY_BYTES && token?.length === 32 ? { tcp, quic, token } : undefined;
}
