import { BlockList, isIPv4 } from 'node:net';

/** One delivery network (an edge or a group of edges behind one name). */
export interface Cdn {
  id: string;
  /** Base URL ending in '/', e.g. `https://edge-a.example:8443/`. */
  baseUrl: string;
  /** Regions this CDN serves best; the client's region puts it first. */
  regions: string[];
}

export type CdnHealth = 'up' | 'down' | 'unknown';

export interface RankedCdn {
  id: string;
  baseUrl: string;
  health: CdnHealth;
}

/** Maps client addresses to regions by prefix (stands in for GeoDNS/anycast). */
export class RegionMap {
  private readonly lists: Array<{ region: string; list: BlockList }> = [];

  constructor(prefixes: Record<string, string>) {
    for (const [cidr, region] of Object.entries(prefixes)) {
      const [net, bits] = cidr.split('/') as [string, string | undefined];
      const family = isIPv4(net) ? 'ipv4' : 'ipv6';
      const list = new BlockList();
      list.addSubnet(net, Number(bits ?? (family === 'ipv4' ? 32 : 128)), family);
      this.lists.push({ region, list });
    }
  }

  regionOf(address: string): string | undefined {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIPv4(plain) ? 'ipv4' : 'ipv6';
    return this.lists.find((e) => e.list.check(plain, family))?.region;
  }
}

/**
 * Orders CDNs for one client: healthy before unknown before down, then those serving the
 * client's region, then configuration order. Down CDNs stay in the list (last) so a player
 * still has somewhere to go if the health view is stale.
 */
export function rankCdns(cdns: readonly Cdn[], region: string | undefined, health: (id: string) => CdnHealth): RankedCdn[] {
  const healthRank: Record<CdnHealth, number> = { up: 0, unknown: 1, down: 2 };
  return cdns
    .map((c, order) => ({ c, order, health: health(c.id), local: region !== undefined && c.regions.includes(region) }))
    .sort((a, b) => healthRank[a.health] - healthRank[b.health] || Number(b.local) - Number(a.local) || a.order - b.order)
    .map(({ c, health: h }) => ({ id: c.id, baseUrl: c.baseUrl, health: h }));
}
