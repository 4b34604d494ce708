/**
 * RFC 9110 §12.5.1: picks one of `offered` (media types, in server preference order) by the
 * client's `Accept`. A type's weight is the q of the most specific matching range (`type/sub`
 * over `type/*` over `*\/*`); the highest weight wins, ties go to the server's order. Types in
 * `namedOnly` match only a range that names them: a wildcard says nothing about whether a client
 * decodes a newer format (a `*\/*` from curl or an old browser is no promise of AVIF). Without an
 * Accept field everything else is acceptable; when nothing is, null.
 */
export function negotiateType(accept: string | undefined, offered: readonly string[], namedOnly: readonly string[] = []): string | null {
  if (accept === undefined || accept.trim() === '') return offered.find((type) => !namedOnly.includes(type)) ?? null;
  const ranges = accept.split(',').map(parseRange).filter((r) => r !== null);
  let best: { type: string; q: number } | null = null;
  for (const type of offered) {
    const q = weightOf(type, ranges, namedOnly.includes(type));
    if (q > 0 && (best === null || q > best.q)) best = { type, q };
  }
  return best?.type ?? null;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(raw: string): MediaRange | null {
  const [range, ...params] = raw.split(';').map((s) => s.trim().toLowerCase());
  const [type, subtype] = (range ?? '').split('/');
  if (!type || !subtype) return null;
  let q = 1;
  for (const p of params) {
    const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
    if (m) q = Number(m[1]);
  }
  return { type, subtype, q };
}

function weightOf(mediaType: string, ranges: readonly MediaRange[], mustBeNamed: boolean): number {
  const [type, subtype] = mediaType.split('/');
  let specificity = -1;
  let q = 0;
  for (const r of ranges) {
    const s = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (mustBeNamed && s < 2) continue;
    if (s > specificity) [specificity, q] = [s, r.q];
  }
  return q;
}
