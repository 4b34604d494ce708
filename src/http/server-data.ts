import type { ConnectionInfo, Exchange, PathField, Reply } from './exchange.js';
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

/** The node's fields on an answer: per response, or as a transport repeats it (kept answers). */
export interface ServerData {
  /** Fields for one answer on a connection whose path reads `connection`; null adds none. Must not throw. */
  fields(ex: Exchange, reply: Reply, connection: ConnectionInfo | undefined): Readonly<Record<string, string>> | null;
  /**
   * The same fields for an answer a transport repeats on other connections: the one that carries
   * the path reading comes as a PathField, the transport adds the reading of its connection.
   */
  template(ex: Exchange, reply: Reply): { fields: Readonly<Record<string, string>> | null; pathField: PathField | null };
}

/**
 * CTA-5006 Common Media Server Data on media responses: `CMSD-Static` with the object type
 * (from the path, else the player's CMCD `ot`), the streaming format (manifests by extension,
 * else the player's `sf`) and the stream type (VOD: this node packages files); `CMSD-Dynamic`
 * with the connection's estimated throughput (`etp`, kbit/s) and round-trip time (`rtt`, ms)
 * as its transport measured them, the suggested maximum bitrate (`mb`) and, under duress, `du`.
 * `mb` goes on every media response because a player (dash.js) keeps the last one it saw: the
 * ceiling must come back up when the duress ends. The core calls it once per response.
 */
export function serverDataFields(opts: ServerDataOptions): ServerData {
  const staticField = (ex: Exchange, reply: Reply): Record<string, string> | null => {
    if (reply.status < 200 || reply.status >= 300 || !opts.isMediaRoute(reply.route ?? '')) return null;
    const cmcd = ex.cmcd?.data;
    const fields: Record<string, string> = {};
    const staticValue = formatCmsdStatic({
      ot: objectTypeOfPath(ex.pathname) ?? cmcd?.ot,
      sf: streamingFormatOfPath(ex.pathname) ?? cmcd?.sf,
      st: cmcd?.st ?? 'v',
    });
    if (staticValue) fields[CMSD_STATIC_FIELD] = staticValue;
    return fields;
  };
  return {
    fields: (ex, reply, connection) => {
      const fields = staticField(ex, reply);
      if (!fields) return null;
      const advice = opts.advice();
      fields[CMSD_DYNAMIC_FIELD] = formatCmsdDynamic(opts.nodeId(), {
        etp: connection?.throughputBitsPerSec === undefined ? undefined : connection.throughputBitsPerSec / 1000,
        rtt: connection?.rttMs,
        mb: advice.maxBitrateKbps,
        du: advice.duress,
      });
      return fields;
    },
    template: (ex, reply) => {
      const fields = staticField(ex, reply);
      if (!fields) return { fields: null, pathField: null };
      // formatCmsdDynamic writes the node, then etp and rtt, then mb and du: the reading goes between.
      const advice = opts.advice();
      const before = formatCmsdDynamic(opts.nodeId(), {});
      const whole = formatCmsdDynamic(opts.nodeId(), { mb: advice.maxBitrateKbps, du: advice.duress });
      return { fields, pathField: { name: CMSD_DYNAMIC_FIELD, before, after: whole.slice(before.length) } };
    },
  };
}
