import { signToken } from '../playback/token.js';
import type { KeySet } from '../playback/keyset.js';

/**
 * The path an edge (or the fill job) requests a title-relative file at: under a short-lived,
 * raw-file token signed with the shared keys when it has them, plain /content/ otherwise
 * (an upstream in --open-content mode).
 */
export function upstreamPathFor(keys: (() => KeySet) | null, clock: () => number): (rel: string) => string {
  return (rel) => {
    const encoded = rel.split('/').map(encodeURIComponent).join('/');
    if (!keys) return `/content/${encoded}`;
    const tid = rel.split('/')[0] ?? '';
    const exp = Math.floor(clock() / 1000) + 300;
    const token = signToken({ tid, sid: 'edge', exp, maxH: 1_000_000, maxBw: 1e12, api: '', raw: true }, keys());
    return `/t/${token}/content/${encoded}`;
  };
}
