/** RFC 9218 §4: urgency 0 (highest) to 7 (lowest), default 3; incremental default false. */
export interface Priority {
  urgency: number;
  incremental: boolean;
}

export const DEFAULT_PRIORITY: Priority = Object.freeze({ urgency: 3, incremental: false });

/** Why a response got its priority (the access line's `priority.reason`). */
export type PriorityReason =
  /** The client's Priority field (or, on HTTP/3, a PRIORITY_UPDATE before the answer). */
  | 'client-signal'
  /** A PRIORITY_UPDATE that arrived while the response was under way. */
  | 'client-update'
  /** Our default for the resource class guessed from the path. */
  | 'class-default'
  /** Our default for the class the player's CMCD object type (`ot`) names. */
  | 'object-type'
  /** CMCD `su`: needed for startup, a seek or recovery. */
  | 'startup'
  /** CMCD `bs`: the player's buffer ran empty. */
  | 'starvation'
  /** CMCD `bl` under two object durations. */
  | 'buffer-low'
  /** CMCD `bl` of three object durations or more. */
  | 'buffer-comfortable';

/** The priority a response is sent at, who chose it and why. */
export interface AppliedPriority extends Priority {
  /**
   * `client`: its Priority field or PRIORITY_UPDATE; `server`: our default for the resource
   * class; `cmcd`: what the player reported of its buffer (CTA-5004), which outranks the generic
   * signal a browser puts on every request.
   */
  chosenBy: 'client' | 'server' | 'cmcd';
  /** Absent where only the engine knows (a priority it reports at the end of a stream). */
  reason?: PriorityReason;
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
