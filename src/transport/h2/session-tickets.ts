import { randomBytes } from 'node:crypto';
import type { Server } from 'node:tls';
import type { TicketKeys } from '../../tls/ticket-keys.js';

/**
 * Node's SecureContext binding as far as we use it. `server.setTicketKeys` holds one key per
 * context, so a rotation would end every session at once; the binding's ticket-key callback (the
 * one Node's own test-https-resume-after-renew uses) is OpenSSL's SSL_CTX_set_tlsext_ticket_key_cb:
 * we choose the key per ticket by its name.
 */
interface TicketKeyCallbackContext {
  enableTicketKeyCallback(): void;
  onticketkeycallback: (name: Buffer, iv: Buffer, encrypt: boolean) => unknown[];
}

// OpenSSL's 48-byte ticket key, as Node's `ticketKeys` lays it out: key name, HMAC-SHA256 key, AES-128 key.
const name = (key: Buffer): Buffer => key.subarray(0, 16);
const hmacKey = (key: Buffer): Buffer => key.subarray(16, 32);
const aesKey = (key: Buffer): Buffer => key.subarray(32, 48);

// SSL_CTX_set_tlsext_ticket_key_cb results.
const TICKET_UNKNOWN = 0;
const TICKET_OK = 1;
const TICKET_OK_RENEW = 2;
// Node reads both keys even for TICKET_UNKNOWN (and aborts the process if they are not 16-byte buffers).
const UNUSED_KEY = Buffer.alloc(16);

/**
 * Session tickets of one TLS server under rotating keys: new tickets under `current`, tickets
 * named after `previous` still resume (and are renewed under `current`), any other ticket gets
 * a full handshake. Call {@link install} after creating the server and again after every
 * `setSecureContext`, which replaces the context.
 */
export class SessionTickets {
  private keys: TicketKeys;

  constructor(keys: TicketKeys) {
    this.keys = SessionTickets.checked(keys);
  }

  /** Takes effect for the next handshake; connections already open are not affected. */
  set(keys: TicketKeys): void {
    this.keys = SessionTickets.checked(keys);
  }

  /** Throws if this Node.js lacks the callback (the server must not silently lose resumption). */
  install(server: Server): void {
    const context = (server as unknown as { _sharedCreds?: { context?: Partial<TicketKeyCallbackContext> } })._sharedCreds?.context;
    if (typeof context?.enableTicketKeyCallback !== 'function') {
      throw new Error(`Node.js ${process.version} has no TLS ticket-key callback; session-ticket rotation needs it`);
    }
    context.enableTicketKeyCallback();
    // Runs inside OpenSSL's handshake: it must return, never throw.
    context.onticketkeycallback = (ticketName, _iv, encrypt) => (encrypt ? this.issue() : this.accept(ticketName));
  }

  private issue(): unknown[] {
    const key = this.keys.current;
    return [TICKET_OK, hmacKey(key), aesKey(key), name(key), randomBytes(16)];
  }

  private accept(ticketName: Buffer): unknown[] {
    const { current, previous } = this.keys;
    if (name(current).equals(ticketName)) return [TICKET_OK, hmacKey(current), aesKey(current)];
    if (previous && name(previous).equals(ticketName)) return [TICKET_OK_RENEW, hmacKey(previous), aesKey(previous)];
    return [TICKET_UNKNOWN, UNUSED_KEY, UNUSED_KEY];
  }

  private static checked(keys: TicketKeys): TicketKeys {
    if (keys.current.length !== 48 || (keys.previous !== null && keys.previous.length !== 48)) throw new TypeError('TLS ticket keys are 48 bytes');
    return keys;
  }
}
