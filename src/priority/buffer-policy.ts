import type { AppliedPriority, Priority } from './priority.js';
import { CLASS_PRIORITY, type ResourceClass } from './resource-class.js';

/**
 * What a player reported about a request's place in its buffer (CTA-5004 keys, in the spec's
 * units). The core passes a request's parsed CMCD, which has this shape.
 */
export interface BufferReport {
  /** Startup: needed for start, a seek or recovery. */
  su?: true;
  /** The buffer ran empty since the last request. */
  bs?: true;
  /** Buffer length, ms. */
  bl?: number;
  /** The object's duration, ms. */
  d?: number;
  /** CTA-5004 object type. */
  ot?: string;
}

/** The object duration assumed when the player does not send `d`: the packager's segment length. */
export const ASSUMED_OBJECT_MS = 4000;
/** A buffer under this many object durations is low: the next ones are due before it refills. */
export const LOW_BUFFER_OBJECTS = 2;
/** A buffer of this many object durations or more is comfortable: its next object can wait its turn. */
export const COMFORTABLE_BUFFER_OBJECTS = 3;

/** What the buffer policy sends segments at (RFC 9218: 0 highest); the class defaults are in CLASS_PRIORITY. Shared, frozen answers. */
const cmcdChosen = (urgency: number, reason: AppliedPriority['reason']): AppliedPriority => Object.freeze({ urgency, incremental: false, chosenBy: 'cmcd', reason });
const STARVING_SEGMENT = cmcdChosen(1, 'starvation');
const STARTUP_SEGMENT = cmcdChosen(1, 'startup');
const LOW_BUFFER_SEGMENT = cmcdChosen(2, 'buffer-low');
const COMFORTABLE_SEGMENT = cmcdChosen(4, 'buffer-comfortable');

/** What a CMCD object type says a request is, where it is more than the path says. */
const CLASS_OF_OBJECT_TYPE: Readonly<Record<string, ResourceClass>> = {
  m: 'manifest',
  i: 'init',
  // A content key is needed before the first frame, like an init segment.
  k: 'init',
  v: 'segment',
  a: 'segment',
  av: 'segment',
  c: 'segment',
  tt: 'segment',
};

/** Our default for each class, chosen by the path (`class-default`) or by CMCD `ot` (`object-type`); shared, frozen. */
const serverDefaults = (reason: AppliedPriority['reason']) =>
  Object.fromEntries(Object.entries(CLASS_PRIORITY).map(([cls, p]) => [cls, Object.freeze({ ...p, chosenBy: 'server', reason })])) as Record<ResourceClass, AppliedPriority>;
const BY_CLASS = serverDefaults('class-default');
const BY_OBJECT_TYPE = serverDefaults('object-type');

/**
 * The one priority policy (RFC 9218 §8 lets a server choose), the same for every transport:
 *
 * 1. A media segment the player marked `su` or `bs`, or whose buffer (`bl`) is under two object
 *    durations, is raised (u=1 for `su`/`bs`, u=2 for a low buffer); one whose buffer holds three
 *    durations or more is lowered to u=4, behind segments of players that need theirs. The player's
 *    own account of its buffer outranks the Priority field, which a browser sets by request type.
 * 2. Else the client's signal (Priority field, PRIORITY_UPDATE).
 * 3. Else our default for the resource class, where CMCD `ot` corrects the class the path suggests.
 *
 * Called by the core once per request; returns the priority with who chose it and why (shared
 * and frozen where it is one of ours).
 */
export function choosePriority(pathClass: ResourceClass, client: Priority | null, report: BufferReport | null): AppliedPriority {
  const typed = report?.ot === undefined ? undefined : CLASS_OF_OBJECT_TYPE[report.ot];
  // A first segment stays one when `ot` says "segment": the path knows its number.
  const cls = typed === undefined || (typed === 'segment' && pathClass === 'first-segment') || pathClass === 'prefetch' ? pathClass : typed;
  const isSegment = cls === 'segment' || cls === 'first-segment';
  if (report && isSegment) {
    const buffered = bufferState(report);
    if (buffered) return buffered;
  }
  if (client) return { urgency: client.urgency, incremental: client.incremental, chosenBy: 'client', reason: 'client-signal' };
  return (cls === pathClass ? BY_CLASS : BY_OBJECT_TYPE)[cls];
}

function bufferState(r: BufferReport): AppliedPriority | null {
  if (r.bs) return STARVING_SEGMENT;
  if (r.su) return STARTUP_SEGMENT;
  if (r.bl === undefined) return null;
  const objectMs = r.d !== undefined && r.d > 0 ? r.d : ASSUMED_OBJECT_MS;
  if (r.bl < LOW_BUFFER_OBJECTS * objectMs) return LOW_BUFFER_SEGMENT;
  if (r.bl >= COMFORTABLE_BUFFER_OBJECTS * objectMs) return COMFORTABLE_SEGMENT;
  return null;
}
