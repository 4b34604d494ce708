import { randomBytes } from 'node:crypto';

/**
 * Secrets a node's workers share that never rotate while the node runs (unlike ticket keys):
 * what they sign is checked long after, by whichever worker gets it.
 */
export interface NodeSecrets {
  /** Segment-token HMAC key for nodes without a token key file, so every worker accepts every token. */
  token: Buffer;
  /**
   * Seed of QUIC stateless-reset, Retry and NEW_TOKEN tokens. A client holds a connection's reset
   * token for the connection's whole life and a NEW_TOKEN token for an hour, so it outlives any
   * ticket key.
   */
  quicTokens: Buffer;
}

const SECRET_BYTES = 32;

export function generateNodeSecrets(random: (n: number) => Buffer = randomBytes): NodeSecrets {
  return { token: random(SECRET_BYTES), quicTokens: random(SECRET_BYTES) };
}

/** For the environment of a new worker (never logged, never on disk). */
export function encodeNodeSecrets(s: NodeSecrets): string {
  return [s.token, s.quicTokens].map((b) => b.toString('base64')).join('.');
}

export function decodeNodeSecrets(text: string | undefined): NodeSecrets | undefined {
  if (!text) return undefined;
  const [token, quicTokens] = text.split('.').map((p) => Buffer.from(p, 'base64'));
  return token?.length === SECRET_BYTES && quicTokens?.length === SECRET_BYTES ? { token, quicTokens } : undefined;
}
