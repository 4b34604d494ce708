import { resolve, sep } from 'node:path';
import { BadRequest, NotFound } from './errors.js';

/**
 * Turns the still-encoded path below a mount point into an absolute file path inside `root`.
 * Decodes percent-escapes once, then refuses NUL, backslashes, `.`/`..` segments and empty
 * segments, so neither `../`, `%2e%2e/`, `..%2f` nor `%00` can leave the root. Symlinks are
 * checked separately by the caller with realpath (the root may legitimately be a link).
 */
export function resolveInside(root: string, encodedRelative: string): string {
  let decoded = encodedRelative;
  if (encodedRelative.includes('%')) {
    try {
      decoded = decodeURIComponent(encodedRelative);
    } catch {
      throw new BadRequest('bad_path', 'Malformed percent-encoding in path');
    }
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw new BadRequest('bad_path', 'Invalid character in path');
  const segments = decoded.split('/');
  for (const s of segments) {
    if (s === '..' || s === '.') throw new BadRequest('bad_path', 'Dot segments are not allowed');
    if (s === '') throw new NotFound();
  }
  const absRoot = resolvedRoot(root);
  // Every segment is a plain name (checked above): resolving them is joining them.
  const abs = absRoot === sep ? resolve(absRoot, ...segments) : `${absRoot}${sep}${decoded}`;
  if (!abs.startsWith(absRoot + sep)) throw new BadRequest('bad_path', 'Path outside the content root');
  return abs;
}

/** The last root resolved, and its absolute form: a handler serves one root. */
let lastRoot: { root: string; abs: string } | null = null;

function resolvedRoot(root: string): string {
  if (lastRoot?.root !== root) lastRoot = { root, abs: resolve(root) };
  return lastRoot.abs;
}
