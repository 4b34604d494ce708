import { randomBytes } from 'node:crypto';

/** One transport's session-ticket keys: new tickets under `current`; tickets under `previous` still resume. */
export interface TicketKeys {
  current: Buffer;
  previous: Buffer | null;
}

/**
 * A node's session-ticket keys at one moment, the same in every worker so a client resumes (and,
 * over QUIC, sends 0-RTT) whichever worker its next connection reaches. `generation` is 1 at
 * start and grows by one per rotation. 48-byte keys: the size of OpenSSL's ticket key (name,
 * HMAC key, AES key); GnuTLS hashes its key into its own master.
 */
export interface TicketKeySet {
  generation: number;
  tcp: TicketKeys;
  quic: TicketKeys;
}

const KEY_BYTES = 48;

export function firstTicketKeys(random: (n: number) => Buffer = randomBytes): TicketKeySet {
  return { generation: 1, tcp: { current: random(KEY_BYTES), previous: null }, quic: { current: random(KEY_BYTES), previous: null } };
}

/** Fresh current keys; the current ones become the previous ones, the previous ones are dropped. */
export function rotateTicketKeys(keys: TicketKeySet, random: (n: number) => Buffer = randomBytes): TicketKeySet {
  return {
    generation: keys.generation + 1,
    tcp: { current: random(KEY_BYTES), previous: keys.tcp.current },
    quic: { current: random(KEY_BYTES), previous: keys.quic.current },
  };
}

/** For the environment of a new worker and the primary's rotation messages (never logged, never on disk). */
export function encodeTicketKeySet(keys: TicketKeySet): string {
  const b64 = (b: Buffer | null): string => b?.toString('base64') ?? '';
  return [String(keys.generation), b64(keys.tcp.current), b64(keys.tcp.previous), b64(keys.quic.current), b64(keys.quic.previous)].join('.');
}

export function decodeTicketKeySet(text: unknown): TicketKeySet | undefined {
  if (typeof text !== 'string') return undefined;
  const [generation, ...keys] = text.split('.');
  if (keys.length !== 4 || !/^[1-9]\d*$/.test(generation ?? '')) return undefined;
  const [tcpCurrent, tcpPrevious, quicCurrent, quicPrevious] = keys.map((k) => (k === '' ? null : Buffer.from(k, 'base64')));
  const valid = (b: Buffer | null | undefined, optional: boolean): boolean => (b == null ? optional : b.length === KEY_BYTES);
  if (!valid(tcpCurrent, false) || !valid(quicCurrent, false) || !valid(tcpPrevious, true) || !valid(quicPrevious, true)) return undefined;
  return {
    generation: Number(generation),
    tcp: { current: tcpCurrent as Buffer, previous: tcpPrevious ?? null },
    quic: { current: quicCurrent as Buffer, previous: quicPrevious ?? null },
  };
}
