/** RFC 9218 §4: urgency 0 (highest) to 7 (lowest), default 3; incremental default false. */
export interface Priority {
  urgency: number;
  incremental: boolean;
}

export const DEFAULT_PRIORITY: Priority = Object.freeze({ urgency: 3, incremental: false });

/** The priority a response is sent at, and who chose it. */
export interface AppliedPriority extends Priority {
  /** `client`: its Priority field or PRIORITY_UPDATE; `server`: our default for the resource class. */
  chosenBy: 'client' | 'server';
}

/**
 * Parses a `Priority` field value (RFC 9218 §4, a Structured Field Dictionary) leniently:
 * unknown keys and malformed members are ignored as §4 requires, out-of-range urgency is
 * ignored. Returns null when the value carries no usable parameter.
 */
export function parsePriority(value: string | undefined): Priority | null {
  if (value === undefined) return null;
  let urgency: number | undefined;
  let incremental: boolean | undefined;
  for (const rawMember of value.split(',')) {
    const member = rawMember.trim();
    const eq = member.indexOf('=');
    const key = (eq < 0 ? member : member.slice(0, eq)).trim();
    const val = eq < 0 ? undefined : member.slice(eq + 1).trim();
    if (key === 'u' && val !== undefined && /^[0-7]$/.test(val)) urgency = Number(val);
    if (key === 'i') {
      if (val === undefined || val === '?1') incremental = true;
      else if (val === '?0') incremental = false;
    }
  }
  if (urgency === undefined && incremental === undefined) return null;
  return { urgency: urgency ?? DEFAULT_PRIORITY.urgency, incremental: incremental ?? DEFAULT_PRIORITY.incremental };
}

/** Serializes a priority as a `Priority` field value, omitting defaults (RFC 9218 §4). */
export function formatPriority(p: Priority): string {
  const parts: string[] = [];
  if (p.urgency !== DEFAULT_PRIORITY.urgency) parts.push(`u=${p.urgency}`);
  if (p.incremental) parts.push('i');
  return parts.join(', ');
}
