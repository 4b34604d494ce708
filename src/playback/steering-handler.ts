import type { Handler } from '../http/exchange.js';
import { NotFound } from '../http/errors.js';
import { jsonReply } from '../http/json.js';
import type { PlaybackService } from './playback-service.js';

/** How long a player keeps a steering answer before asking again. */
const STEERING_TTL_SEC = 10;

/**
 * The content-steering server: pathways in the order the CDN ranking gives now, so an edge
 * that turned unhealthy moves to the back. HLS pathways are the first CDN (".", where the
 * master playlist came from) and clones of it with another host; DASH uses service locations.
 */
export function steeringHandler(service: PlaybackService): Handler {
  return (ex, params) => {
    const session = service.session(params.sid ?? '');
    if (!session) throw new NotFound('Unknown or expired playback session');
    const ranked = service.rankFor(ex);
    if (ex.query.get('format') === 'dash') {
      return jsonReply(200, { VERSION: 1, TTL: STEERING_TTL_SEC, 'SERVICE-LOCATION-PRIORITY': ranked.map((c) => c.id) });
    }
    const first = session.firstCdnId;
    const pathwayOf = (id: string): string => (id === first ? '.' : id);
    return jsonReply(200, {
      VERSION: 1,
      TTL: STEERING_TTL_SEC,
      'PATHWAY-PRIORITY': ranked.map((c) => pathwayOf(c.id)),
      'PATHWAY-CLONES': ranked
        .filter((c) => c.id !== first)
        .map((c) => ({ 'BASE-ID': '.', ID: c.id, 'URI-REPLACEMENT': { HOST: new URL(c.baseUrl).host } })),
    });
  };
}
