import type { LogLevel } from '../observe/logger.js';

/** The settings of `h3edge serve`; the config file uses exactly these keys. */
export interface ServeConfig {
  host: string;
  port: number;
  /** Directory whose files are served under /content/. */
  media: string;
  cert: string;
  key: string;
  logLevel: LogLevel;
  /** HTTP/3 implementation: our ngtcp2/nghttp3 binding or the quiche-based package. */
  h3Engine: 'native' | 'currentspace';
  /** How long in-flight responses may run after SIGINT/SIGTERM before connections are cut. */
  shutdownGraceMs: number;
}

export const DEFAULT_SERVE_CONFIG: Readonly<ServeConfig> = Object.freeze({
  host: '::',
  port: 8443,
  media: './media',
  cert: 'certs/dev-cert.pem',
  key: 'certs/dev-key.pem',
  logLevel: 'info',
  h3Engine: 'currentspace',
  shutdownGraceMs: 10_000,
});
