import type { Http2Session } from 'node:http2';
import type { Logger } from 'pino';
import { loadTcpInfo, type TcpInfoAddon, type TcpSendState } from '../../native/tcpinfo.js';
import { SendBacklog } from './send-backlog.js';
import { tcpFdReader } from './session-socket.js';

/**
 * One SendBacklog per HTTP/2 session, asking the kernel through the tcpinfo addon. Without the
 * addon (said once, at start) bodies are handed over as fast as the socket takes them.
 */
export class SessionBacklogs {
  private readonly addon: TcpInfoAddon | undefined;
  private readonly bySession = new WeakMap<Http2Session, SendBacklog>();

  constructor(log: Logger) {
    const loaded = loadTcpInfo();
    this.addon = 'addon' in loaded ? loaded.addon : undefined;
    if ('error' in loaded) log.warn({ error: loaded.error.message }, 'tcpinfo addon unavailable: HTTP/2 responses queue in the kernel without limit');
  }

  /** Called from the server's 'session' event, while the session's socket is still reachable. */
  track(session: Http2Session): void {
    const addon = this.addon;
    if (!addon) return;
    const fdOf = tcpFdReader(session);
    const sendState = (): TcpSendState | undefined => {
      const fd = fdOf();
      if (fd === undefined) return undefined;
      try {
        return addon.sendState(fd);
      } catch {
        // Not TCP, or closed between the two calls: nothing to wait for.
        return undefined;
      }
    };
    this.bySession.set(session, new SendBacklog(sendState));
  }

  /** The session's backlog, or undefined if untracked (HTTP/1.1, no addon). */
  of(session: Http2Session): SendBacklog | undefined {
    return this.bySession.get(session);
  }
}
