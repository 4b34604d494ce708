import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { LogWatch, type LogLine, type LogMatch } from './log-watch.js';

export interface TestServer extends RunningServer {
  origin: string;
  certs: TestCerts;
  /** Parsed log lines written so far. */
  logs: LogLine[];
  /** Resolves with the first `count` log lines that match, as soon as they are written (rejects after `limitMs`). */
  logged(match: LogMatch, count?: number, limitMs?: number): Promise<LogLine[]>;
  /** Resolves with the first matching log line written after the call (rejects after `limitMs`). */
  nextLog(match: LogMatch, limitMs?: number): Promise<LogLine>;
}

/** Starts a real server in this process on a free port with a fresh certificate. */
export async function startTestServer(overrides: Partial<ServeConfig> = {}, certs: TestCerts = makeTestCerts()): Promise<TestServer> {
  const watch = new LogWatch();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      watch.feed(String(chunk));
      cb();
    },
  });
  const config: ServeConfig = {
    ...DEFAULT_SERVE_CONFIG,
    host: '127.0.0.1',
    port: 0,
    cert: certs.certFile,
    key: certs.keyFile,
    logLevel: 'debug',
    shutdownGraceMs: 2000,
    // Lab mode: most suites test HTTP semantics on /content/ directly; token tests turn it off.
    openContent: true,
    ...overrides,
  };
  const server = await startServer(config, pino({ level: config.logLevel }, sink));
  return Object.assign(server, {
    origin: `https://localhost:${server.port}`,
    certs,
    logs: watch.lines,
    logged: watch.logged.bind(watch),
    nextLog: watch.nextLog.bind(watch),
  });
}

/** A port that was free a moment ago (for configs that must name a server's port before it starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
