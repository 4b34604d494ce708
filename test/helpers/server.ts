import { EventEmitter } from 'node:events';
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
  /** Resolves with the first `count` log lines that match, as soon as they are written (rejects after `limitMs`). */
  logged(match: (line: Record<string, unknown>) => boolean, count?: number, limitMs?: number): Promise<Array<Record<string, unknown>>>;
}

/** Starts a real server in this process on a free port with a fresh certificate. */
export async function startTestServer(overrides: Partial<ServeConfig> = {}, certs: TestCerts = makeTestCerts()): Promise<TestServer> {
  const logs: Array<Record<string, unknown>> = [];
  const written = new EventEmitter();
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      written.emit('line');
      cb();
    },
  });
  const logged: TestServer['logged'] = (match, count = 1, limitMs = 20_000) =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = logs.filter(match);
        if (found.length < count) return false;
        clearTimeout(timer);
        written.off('line', check);
        resolve(found.slice(0, count));
        return true;
      };
      const timer = setTimeout(() => {
        written.off('line', check);
        reject(new Error(`waited ${limitMs} ms for ${count} matching log line(s), found ${logs.filter(match).length}`));
      }, limitMs);
      if (!check()) written.on('line', check);
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
  return Object.assign(server, { origin: `https://localhost:${server.port}`, certs, logs, logged });
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
