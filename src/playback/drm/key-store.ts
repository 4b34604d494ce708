import { readFile, writeFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** One content key: 16-byte key id and key, as hex. */
export interface ContentKey {
  kid: string;
  key: string;
}

/** How a title is encrypted; kept outside the media directory so edges never hold keys. */
export interface TitleKeys {
  /** CENC scheme: 'cenc' (AES-CTR) or 'cbcs' (AES-CBC pattern, FairPlay). */
  scheme: 'cenc' | 'cbcs';
  keys: ContentKey[];
}

const ID = /^[A-Za-z0-9_.-]+$/;
const HEX16 = /^[0-9a-f]{32}$/;

/** Per-title key files `<dir>/<titleId>.json`, written by the packager, read by the license server. */
export class KeyStore {
  constructor(private readonly dir: string) {}

  /** Keys of a title, or null for clear content. Malformed files are errors, not "clear". */
  async get(titleId: string): Promise<TitleKeys | null> {
    if (!ID.test(titleId)) return null;
    let text: string;
    try {
      text = await readFile(join(this.dir, `${titleId}.json`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const parsed = JSON.parse(text) as TitleKeys;
    if ((parsed.scheme !== 'cenc' && parsed.scheme !== 'cbcs') || !parsed.keys.every((k) => HEX16.test(k.kid) && HEX16.test(k.key))) {
      throw new Error(`key file for ${titleId} is malformed`);
    }
    return parsed;
  }

  /** Writes a title's keys atomically (temp file + rename). */
  async put(titleId: string, keys: TitleKeys): Promise<void> {
    if (!ID.test(titleId)) throw new Error(`bad title id ${titleId}`);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.${titleId}.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(keys, null, 2), { mode: 0o600 });
    await rename(tmp, join(this.dir, `${titleId}.json`));
  }
}

/** `a0a1…af` → `a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf` (the form MPDs use for default_KID). */
export function kidToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
