import type { Cue } from './subtitles.js';

const PHRASES: Readonly<Record<string, readonly string[]>> = {
  en: ['Colour bars and a test pattern.', 'The tone you hear is the English track.', 'Segment boundaries every few seconds.', 'Nothing happens, beautifully.'],
  fr: ['Mire de barres et motif de test.', 'La tonalité entendue est la piste française.', 'Un segment toutes les quelques secondes.', 'Il ne se passe rien, magnifiquement.'],
  de: ['Farbbalken und ein Testbild.', 'Der Ton ist die deutsche Tonspur.', 'Alle paar Sekunden ein Segment.', 'Nichts geschieht, wunderschön.'],
  es: ['Barras de color y una carta de ajuste.', 'El tono es la pista en español.', 'Un segmento cada pocos segundos.', 'No pasa nada, maravillosamente.'],
};

/**
 * Generated captions for synthetic titles: a cue every 3 s lasting 2.5 s, numbered, with a
 * language-specific phrase so a viewer can tell tracks apart. Deterministic for a given input.
 */
export function syntheticCues(lang: string, durationSec: number, label: string): Cue[] {
  const phrases = PHRASES[lang] ?? PHRASES.en ?? [];
  const cues: Cue[] = [];
  for (let i = 0, t = 0.5; t + 2.5 <= durationSec; i++, t += 3) {
    cues.push({ startSec: t, endSec: t + 2.5, lines: [`${label} · ${lang.toUpperCase()} ${i + 1}`, phrases[i % phrases.length] ?? ''] });
  }
  return cues;
}
