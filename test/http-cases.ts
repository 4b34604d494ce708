import tap from 'tap';
import type { ProtocolClient } from './helpers/clients.js';
import type { EarlyDataClient } from './helpers/early-data.js';
import type { TestServer } from './helpers/server.js';
import type { CaseContext, HttpCase, SemanticsMedia } from './http-cases/case.js';
import { contentCases } from './http-cases/content.js';
import { errorCases } from './http-cases/errors.js';
import { protocolCases } from './http-cases/protocol.js';

export { semanticsMedia, type SemanticsMedia } from './http-cases/case.js';

/**
 * The HTTP semantics every transport and engine shows alike (hono's `common.case.test.ts`): a
 * behaviour that differs by transport is a bug, or a skip that says why.
 */
export const HTTP_CASES = [...contentCases, ...errorCases, ...protocolCases] as const satisfies readonly HttpCase[];

export type HttpCaseName = (typeof HTTP_CASES)[number]['name'];

/** A case a registration does not run, and why (a reason a reviewer can check). */
export interface CaseSkip {
  case: HttpCaseName;
  reason: string;
}

/** One transport or engine registering with the cases. */
export interface HttpCasesRegistration {
  /** Title of the registration's subtest: the transport and what carries it. */
  name: string;
  /** The node under test (its access log, its port), started with `media`. */
  server: TestServer;
  media: SemanticsMedia;
  /** Opens the registration's client; one connection (or pool) serves every case. */
  connect(): Promise<ProtocolClient>;
  /** Opens a client that sends requests in TLS early data, for transports that can. */
  earlyData?(): EarlyDataClient;
  skip?: readonly CaseSkip[];
}

/**
 * Registers one top-level subtest that runs every case against `reg`'s client, in order. A
 * skipped case is reported as skipped with its reason; a skip that names no case, has no
 * reason or repeats one fails the registration.
 */
export function runHttpCases(reg: HttpCasesRegistration): void {
  const skips = new Map<string, string>();
  const problems: string[] = [];
  for (const s of reg.skip ?? []) {
    if (!HTTP_CASES.some((c) => c.name === s.case)) problems.push(`skip names no case: "${s.case}"`);
    if (s.reason.trim().length < 10) problems.push(`skip of "${s.case}" needs a reason`);
    if (skips.has(s.case)) problems.push(`"${s.case}" skipped twice`);
    skips.set(s.case, s.reason);
  }
  tap.test(reg.name, async (t) => {
    t.same(problems, [], 'every skip names a case and why');
    const client = await reg.connect();
    t.teardown(() => client.close());
    const ctx: CaseContext = { client, server: reg.server, media: reg.media, ...(reg.earlyData ? { earlyData: reg.earlyData() } : {}) };
    for (const c of HTTP_CASES) {
      const reason = skips.get(c.name);
      if (reason !== undefined) t.test(c.name, { skip: reason }, () => {});
      else t.test(c.name, (t) => c.run(t, ctx));
    }
  });
}
