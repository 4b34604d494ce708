import type { Http2Session } from 'node:http2';
import type { Logger } from 'pino';
import type { ConnectionInfo } from '../../http/exchange.js';
import { loadTcpInfo, type TcpInfoAddon, type TcpSendState } from '../../native/tcpinfo.js';
import { SendBacklog } from './send-backlog.js';
import { tcpFdReader, tlsFdReader } from './session-socket.js';
import { pathReadingEvery } from '../path-reading.js';

/**
 * One SendBacklog per HTTP/2 session, asking the kernel through the tcpinfo addon, and what the
 * kernel knows of each connection's path (RTT, delivery rate) for CMSD. Without the addon (said
 * once, at start) bodies are handed over as fast as the socket takes them and no path is known.
 */
export class SessionBacklogs {
  private readonly addon: TcpInfoAddon | undefined;
  private readonly bySession = new WeakMap<Http2Session, { backlog: SendBacklog; path: () => ConnectionInfo | undefined }>();

  constructor(log: Logger) {
    const loaded = loadTcpInfo();
    this.addon = 'addon' in loaded ? loaded.addon : undefined;
    if ('error' in loaded) log.warn({ error: loaded.error.message }, 'tcpinfo addon unavailable: HTTP/2 responses queue in the kernel without limit');
  }

  /** Called from the server's 'session' event, while the session's socket is still reachable. */
  track(session: Http2Session): void {
    const sendState = this.reader(tcpFdReader(session));
    if (sendState) this.bySession.set(session, { backlog: new SendBacklog(sendState), path: pathReadingEvery(() => pathOf(sendState())) });
  }

  /** The session's backlog, or undefined if untracked (HTTP/1.1, no addon). */
  of(session: Http2Session): SendBacklog | undefined {
    return this.bySession.get(session)?.backlog;
  }

  /**
   * What TCP knows now of the path under an HTTP/2 session, or under an HTTP/1.1 request's TLS
   * socket: a reader for the request's ExchangeInit; undefined without the addon.
   */
  connectionOf(session: Http2Session | undefined, tlsSocket: unknown): (() => ConnectionInfo | undefined) | undefined {
    if (session) return this.bySession.get(session)?.path;
    const sendState = this.reader(tlsFdReader(tlsSocket));
    return sendState ? () => pathOf(sendState()) : undefined;
  }

  private reader(fdOf: () => number | undefined): (() => TcpSendState | undefined) | undefined {
    const addon = this.addon;
    if (!addon) return undefined;
    return () => {
      const fd = fdOf();
      if (fd === undefined) return undefined;
      try {
        return addon.sendState(fd);
      } catch {
        // Not TCP, or closed between the two calls: nothing to wait for.
        return undefined;
      }
    };
  }
}

/** TCP_INFO as CMSD wants it: the smoothed RTT and the latest delivery rate (none before a first sample). */
function pathOf(s: TcpSendState | undefined): ConnectionInfo | undefined {
  if (!s || s.rttUs <= 0) return undefined;
  return { rttMs: s.rttUs / 1000, ...(s.deliveryRateBytesPerSec > 0 ? { throughputBitsPerSec: s.deliveryRateBytesPerSec * 8 } : {}) };
}
