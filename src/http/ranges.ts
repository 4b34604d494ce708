/** An inclusive byte range, as in `Content-Range` (RFC 9110 §14.4). */
export interface ByteRange {
  start: number;
  end: number;
}

/** Outcome of evaluating a `Range` field against a representation of `size` bytes. */
export type RangeOutcome =
  | { kind: 'full' }
  | { kind: 'partial'; ranges: ByteRange[] }
  | { kind: 'unsatisfiable' };

export interface RangePolicy {
  /** More ranges than this (after coalescing) and the Range field is ignored, as nginx's max_ranges. */
  maxRanges: number;
  /** Longest Range field value considered; longer ones are ignored. */
  maxFieldBytes: number;
}

export const DEFAULT_RANGE_POLICY: RangePolicy = Object.freeze({ maxRanges: 16, maxFieldBytes: 1024 });

const SPEC = /^\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * Evaluates a `Range` header (RFC 9110 §14.2). Syntax the server does not understand means
 * `full` (the field is ignored, as §14.2 allows); a valid set with no satisfiable range means
 * `unsatisfiable` (416). Overlapping and adjacent ranges are coalesced so a client cannot make
 * us send the same bytes many times (the CVE-2011-3192 class of abuse); a set that is still
 * larger than `policy.maxRanges` is ignored.
 */
export function evaluateRange(field: string | undefined, size: number, policy: RangePolicy = DEFAULT_RANGE_POLICY): RangeOutcome {
  if (field === undefined || field.length > policy.maxFieldBytes) return { kind: 'full' };
  const eq = field.indexOf('=');
  if (eq < 0 || field.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'full' };
  const satisfiable: ByteRange[] = [];
  for (const spec of field.slice(eq + 1).split(',')) {
    if (spec.trim() === '') continue;
    const m = SPEC.exec(spec);
    if (!m) return { kind: 'full' };
    const [, first = '', last = ''] = m;
    if (first === '' && last === '') return { kind: 'full' };
    if (first === '') {
      // Suffix range: the last N bytes (§14.1.1); N = 0 is unsatisfiable.
      const n = Number(last);
      if (n > 0 && size > 0) satisfiable.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
    // §14.1.1: a last-pos below first-pos makes the whole field invalid.
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'full' };
    if (start < size) satisfiable.push({ start, end: Math.min(end, size - 1) });
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  const ranges = coalesce(satisfiable);
  if (ranges.length > policy.maxRanges) return { kind: 'full' };
  return { kind: 'partial', ranges };
}

/** Merges overlapping or adjacent ranges; the result is sorted by start. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: ByteRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
