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

export function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i] as string;
    if (seg.startsWith('*')) {
      params[seg.slice(1)] = path.slice(i).join('/');
      return params;
    }
    const actual = path[i];
    if (actual === undefined) return null;
    if (seg.startsWith(':')) params[seg.slice(1)] = actual;
    else if (seg !== actual) return null;
  }
  return pattern.length === path.length ? params : null;
}
