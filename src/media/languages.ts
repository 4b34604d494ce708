import { InvalidPackageOption } from './errors.js';

/** A language the packager labels tracks with. */
export interface Language {
  /** BCP 47 tag used in manifests (HLS LANGUAGE, DASH @lang), e.g. `en`. */
  tag: string;
  /** ISO 639-2/T code that MP4 `mdhd`/ffmpeg metadata expects, e.g. `eng`. */
  iso6392: string;
  /** Name shown in player menus, in the language itself. */
  name: string;
}

const KNOWN: Readonly<Record<string, Omit<Language, 'tag'>>> = {
  en: { iso6392: 'eng', name: 'English' },
  fr: { iso6392: 'fra', name: 'Français' },
  de: { iso6392: 'deu', name: 'Deutsch' },
  es: { iso6392: 'spa', name: 'Español' },
  it: { iso6392: 'ita', name: 'Italiano' },
  pt: { iso6392: 'por', name: 'Português' },
  nl: { iso6392: 'nld', name: 'Nederlands' },
  ja: { iso6392: 'jpn', name: '日本語' },
};

/** Resolves a two-letter tag; throws InvalidPackageOption for tags the packager cannot label. */
export function language(tag: string): Language {
  const known = KNOWN[tag];
  if (!known) throw new InvalidPackageOption(`unsupported language "${tag}" (known: ${Object.keys(KNOWN).join(', ')})`);
  return { tag, ...known };
}

/** Finds the tag for an ISO 639-2 code found in an input file, if it is one we know. */
export function tagForIso6392(code: string): string | undefined {
  return Object.entries(KNOWN).find(([, l]) => l.iso6392 === code || (code === 'fre' && l.iso6392 === 'fra'))?.[0];
}
