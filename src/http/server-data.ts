import type { ConnectionInfo, Exchange, Reply } from './exchange.js';
import { CMSD_DYNAMIC_FIELD, CMSD_STATIC_FIELD, formatCmsdDynamic, formatCmsdStatic, objectTypeOfPath, streamingFormatOfPath } from '../cmcd/cmsd.js';

/** The bitrate this node suggests to players now, and whether it is under duress. */
export interface BitrateAdvice {
  /** CMSD `mb`, kbit/s: the duress ceiling while under duress, else the ceiling of every session. */
  maxBitrateKbps: number;
  /** CMSD `du`. */
  duress: boolean;
}

export interface ServerDataOptions {
  /** This node's name in `CMSD-Dynamic` (read per response: it follows reloads). */
  nodeId: () => string;
  /** Route patterns whose answers are media (CMSD goes on their successful answers only). */
  isMediaRoute: (route: string) => boolean;
  /** The advice of the moment (observe/duress.ts measures egress and CPU). */
  advice: () => BitrateAdvice;
}

/**
 * CTA-5006 Common Media Server Data on media responses: `CMSD-Static` with the object type
 * (from the path, else the player's CMCD `ot`), the streaming format (manifests by extension,
 * else the player's `sf`) and the stream type (VOD: this node packages files); `CMSD-Dynamic`
 * with the connection's estimated throughput (`etp`, kbit/s) and round-trip time (`rtt`, ms)
 * as its transport measured them, the suggested maximum bitrate (`mb`) and, under duress, `du`.
 * `mb` goes on every media response because a player (dash.js) keeps the last one it saw: the
 * ceiling must come back up when the duress ends. The core calls the returned function once per
 * response.
 */
export function serverDataFields(opts: ServerDataOptions): (ex: Exchange, reply: Reply, connection: ConnectionInfo | undefined) => Record<string, string> | null {
  return (ex, reply, connection) => {
    if (reply.status < 200 || reply.status >= 300 || !opts.isMediaRoute(reply.route ?? '')) return null;
    const cmcd = ex.cmcd?.data;
    const fields: Record<string, string> = {};
    const staticValue = formatCmsdStatic({
      ot: objectTypeOfPath(ex.pathname) ?? cmcd?.ot,
      sf: streamingFormatOfPath(ex.pathname) ?? cmcd?.sf,
      st: cmcd?.st ?? 'v',
    });
    if (staticValue) fields[CMSD_STATIC_FIELD] = staticValue;
    const advice = opts.advice();
    fields[CMSD_DYNAMIC_FIELD] = formatCmsdDynamic(opts.nodeId(), {
      etp: connection?.throughputBitsPerSec === undefined ? undefined : connection.throughputBitsPerSec / 1000,
      rtt: connection?.rttMs,
      mb: advice.maxBitrateKbps,
      du: advice.duress,
    });
    return fields;
  };
}
