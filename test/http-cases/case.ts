import type { Test } from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProtocolClient, SimpleResponse } from '../helpers/clients.js';
import type { EarlyDataClient } from '../helpers/early-data.js';
import type { TestServer } from '../helpers/server.js';
import { makeTestMedia } from '../helpers/media.js';

/** The media directory every registration serves: the test title, plus one link inside it and one out of it. */
export interface SemanticsMedia {
  dir: string;
  files: Record<string, Buffer>;
}

/** A fresh media directory for the cases (removed when the test process exits). */
export function semanticsMedia(): SemanticsMedia {
  const media = makeTestMedia();
  symlinkSync(join(media.dir, 'demo'), join(media.dir, 'linked'));
  // Out of the media directory, to the repository (its package.json must never be served).
  symlinkSync(join(import.meta.dirname, '../..'), join(media.dir, 'escape'));
  return media;
}

/** What a case runs against: one registration's client, the node behind it and its media. */
export interface CaseContext {
  client: ProtocolClient;
  server: TestServer;
  media: SemanticsMedia;
  /** Sends requests in TLS early data; only registrations whose transport can. */
  earlyData?: EarlyDataClient;
}

/** One behaviour every transport must show alike. */
export interface HttpCase {
  readonly name: string;
  run(t: Test, ctx: CaseContext): Promise<void>;
}

/** The body of an error reply as `errorReply` writes it. */
const ERROR_TYPE = 'application/json; charset=utf-8';

/**
 * Checks an error reply's shape: the status, small JSON `{error: {code, message}}` with only those
 * keys, not cached, its exact length declared, nothing of the server's insides in it.
 */
export function expectError(t: Test, r: SimpleResponse, status: number, code: string, what = `${status} ${code}`): void {
  t.equal(r.status, status, `${what}: status`);
  t.equal(r.headers['content-type'], ERROR_TYPE, `${what}: JSON`);
  t.equal(r.headers['cache-control'], 'no-store', `${what}: not cached`);
  t.equal(r.headers['content-length'], String(r.body.length), `${what}: length declared`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.body.toString());
  } catch {
    t.fail(`${what}: body is JSON`, { body: r.body.toString().slice(0, 200) });
    return;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (!t.same(Object.keys(parsed ?? {}), ['error'], `${what}: one "error" member`) || typeof error !== 'object' || error === null) return;
  t.same(Object.keys(error).sort(), ['code', 'message'], `${what}: code and message only`);
  t.equal((error as { code?: unknown }).code, code, `${what}: code`);
  t.type((error as { message?: unknown }).message, 'string', `${what}: message`);
  t.notMatch(r.body.toString(), /\/work\/|\/tmp\/|\bat [\w.]+ \(|node:internal/, `${what}: no paths or stack`);
}
