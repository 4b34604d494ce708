import { loadAddon } from './load-addon.js';

/** A TCP connection's sending side as the kernel reports it (getsockopt TCP_INFO). */
export interface TcpSendState {
  /** Bytes written to the socket that TCP has not sent yet (tcpi_notsent_bytes). */
  notsentBytes: number;
  /** Packets sent and not yet acknowledged. */
  unackedPackets: number;
  cwndPackets: number;
  mssBytes: number;
  /** 0 when the kernel does not report it. */
  pacingRateBytesPerSec: number;
  /** Smoothed round-trip time. */
  rttUs: number;
  /** Rate of the latest delivery sample (tcpi_delivery_rate); 0 when the kernel does not report it. */
  deliveryRateBytesPerSec: number;
  /** The sample was taken while the sender had nothing more to send: a lower bound of the path's rate. */
  deliveryRateAppLimited: boolean;
}

/** The tcpinfo addon's surface (src/native/tcpinfo/tcpinfo.cc). */
export interface TcpInfoAddon {
  /** Reads TCP_INFO of socket `fd`; throws an Error with `code` (EBADF, ENOTSOCK, EOPNOTSUPP, …). */
  sendState(fd: number): TcpSendState;
}

/** The addon, or why it could not be loaded (senders then queue without looking at TCP). */
export function loadTcpInfo(): { addon: TcpInfoAddon } | { error: Error } {
  return loadAddon<TcpInfoAddon>('tcpinfo', 'h3edge_tcpinfo');
}
