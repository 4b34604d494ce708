import type { H3EngineName, UdpTransport, UdpTransportOptions } from './transport.js';
import { startCurrentspaceEngine } from './currentspace-engine.js';
import { startNativeEngine } from './native-engine.js';

export type { H3EngineName, QuicStats, UdpTransport, UdpTransportOptions } from './transport.js';

/** Starts HTTP/3 on UDP with the chosen engine; the only place that knows the engines. */
export async function startUdpTransport(engine: H3EngineName, opts: UdpTransportOptions): Promise<UdpTransport> {
  switch (engine) {
    case 'currentspace':
      return startCurrentspaceEngine(opts);
    case 'native':
      return startNativeEngine(opts);
  }
}
