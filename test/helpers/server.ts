import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEFAULT_SERVE_CONFIG, type ServeConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { makeTestCerts, type TestCerts } from './certs.js';

export interface TestServer extends RunningServer {
  origin: string;
  certs: TestCerts;
  /** Parsed log lines written so far. */
  logs: Array<Record<string, unknown>>;
}

/** Starts a real server in this process on a free port with a fresh certificate. */
export async function startTestServer(overrides: Partial<ServeConfig> = {}): Promise<TestServer> {
  const certs = makeTestCerts();
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
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
    ...overrides,
  };
  const server = await startServer(config, pino({ level: config.logLevel }, sink));
  return Object.assign(server, { origin: `https://localhost:${server.port}`, certs, logs });
}
