type FieldValue = string | string[] | undefined;

/** Request fields as protocol libraries give them: name/value pairs, or an object (node's `req.headers`). */
export type RequestFields = Iterable<readonly [string, FieldValue]> | Readonly<Record<string, FieldValue>>;

/**
 * Request fields as the core wants them: lowercase names, pseudo-headers dropped, repeated
 * fields joined (cookies with "; " per RFC 9113 §8.2.3, others with ", ").
 */
export function toFieldMap(fields: RequestFields): Map<string, string> {
  const map = new Map<string, string>();
  const entries = Symbol.iterator in fields ? (fields as Iterable<readonly [string, FieldValue]>) : Object.entries(fields as Readonly<Record<string, FieldValue>>);
  for (const [rawName, rawValue] of entries) {
    if (rawValue === undefined || rawName.startsWith(':')) continue;
    const name = rawName.toLowerCase();
    const sepr = name === 'cookie' ? '; ' : ', ';
    const value = Array.isArray(rawValue) ? rawValue.join(sepr) : rawValue;
    const prev = map.get(name);
    map.set(name, prev === undefined ? value : prev + sepr + value);
  }
  return map;
}

/** Splits a request-target into path and query. */
export function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}
