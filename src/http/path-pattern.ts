/**
 * Path patterns, the router's syntax: `/`-separated literal segments, `:name` (one segment) and a
 * final `*name` (the rest of the path, possibly empty; the name may be left out). Routes and the
 * early-data rules (config `earlyData.routes`) are written in it.
 */
export class PathPattern {
  private readonly segments: readonly string[];

  constructor(readonly source: string) {
    this.segments = splitPath(source);
  }

  /** The named parts of `pathname`, or null when the pattern does not match it. */
  match(pathname: string): Record<string, string> | null {
    return matchSegments(this.segments, splitPath(pathname));
  }
}

/** The non-empty `/`-separated segments of a path. */
export function splitPath(path: string): string[] {
  const segments: string[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 0x2f) continue;
    if (i > start) segments.push(path.slice(start, i));
    start = i + 1;
  }
  return segments;
}

/** The named parts of `path` under `pattern` (both split), or null when it does not match; allocates only for a match. */
export function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  let params: Record<string, string> | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i] as string;
    if (seg.startsWith('*')) {
      params ??= {};
      params[seg.slice(1)] = path.slice(i).join('/');
      return params;
    }
    const actual = path[i];
    if (actual === undefined) return null;
    if (seg.startsWith(':')) (params ??= {})[seg.slice(1)] = actual;
    else if (seg !== actual) return null;
  }
  return pattern.length === path.length ? (params ?? {}) : null;
}
