import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from '../config/config.js';

/** The process logger; modules receive children of it (`logger.child({ transport })`), never import it. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(1));
}
