import { InvalidSubtitles } from './errors.js';

/** One timed caption; times in seconds, text lines without markup. */
export interface Cue {
  startSec: number;
  endSec: number;
  lines: string[];
}

const TIMING = /^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})/;

/**
 * Parses WebVTT (W3C WebVTT §4) into cues. Cue settings, NOTE/STYLE/REGION blocks and inline
 * tags are dropped: the packager re-emits plain text in both WebVTT and TTML so the two files
 * say the same thing. Throws InvalidSubtitles when the header is missing or a timing is bad.
 */
export function parseWebVtt(text: string): Cue[] {
  const blocks = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(blocks[0]?.split('\n')[0] ?? '')) throw new InvalidSubtitles('missing WEBVTT header');
  const cues: Cue[] = [];
  for (const block of blocks.slice(1)) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const m = TIMING.exec(lines[at] as string);
    if (!m) throw new InvalidSubtitles(`bad cue timing "${lines[at]}"`);
    const startSec = parseTimestamp(m[1] as string);
    const endSec = parseTimestamp(m[2] as string);
    if (endSec <= startSec) throw new InvalidSubtitles(`cue ends before it starts: "${lines[at]}"`);
    cues.push({ startSec, endSec, lines: lines.slice(at + 1).map(stripTags) });
  }
  return cues;
}

/**
 * Serializes cues as WebVTT, one block per cue, timestamps in hh:mm:ss.ttt. `headers` go on lines
 * after `WEBVTT` (e.g. HLS's `X-TIMESTAMP-MAP=…`, RFC 8216bis §3.1.4).
 */
export function formatWebVtt(cues: readonly Cue[], headers: readonly string[] = []): string {
  const blocks = cues.map((c, i) => `${i + 1}\n${timestamp(c.startSec)} --> ${timestamp(c.endSec)}\n${cueText(c)}`);
  return `${['WEBVTT', ...headers].join('\n')}\n\n${blocks.join('\n\n')}\n`;
}

/** A cue's lines as WebVTT cue text (markup characters escaped), as a WebVTT block or a `payl` box holds it. */
export function cueText(cue: Cue): string {
  return cue.lines.map(vttEscape).join('\n');
}

/**
 * Serializes cues as a TTML document in the IMSC1 Text profile (W3C IMSC1 §5 / §6): media time
 * base, one bottom region, one style, `<br/>` between lines. DASH players read it as a sidecar.
 */
export function formatImsc1(cues: readonly Cue[], lang: string): string {
  const ps = cues.map(
    (c) => `      <p begin="${timestamp(c.startSec)}" end="${timestamp(c.endSec)}">${c.lines.map(xmlEscape).join('<br/>')}</p>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" xmlns:tts="http://www.w3.org/ns/ttml#styling" ttp:profile="http://www.w3.org/ns/ttml/profile/imsc1/text" ttp:timeBase="media" xml:lang="${xmlEscape(lang)}">
  <head>
    <styling>
      <style xml:id="caption" tts:color="#FFFFFF" tts:backgroundColor="#000000C2" tts:fontFamily="proportionalSansSerif" tts:fontSize="100%" tts:textAlign="center"/>
    </styling>
    <layout>
      <region xml:id="bottom" tts:origin="10% 75%" tts:extent="80% 20%" tts:displayAlign="after"/>
    </layout>
  </head>
  <body style="caption" region="bottom">
    <div>
${ps.join('\n')}
    </div>
  </body>
</tt>
`;
}

function parseTimestamp(s: string): number {
  const parts = s.split(':').map(Number);
  const sec = parts.pop() as number;
  const min = parts.pop() as number;
  const hours = parts.pop() ?? 0;
  if (min > 59 || sec >= 60) throw new InvalidSubtitles(`bad timestamp "${s}"`);
  return hours * 3600 + min * 60 + sec;
}

function timestamp(sec: number): string {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

function stripTags(line: string): string {
  return line
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&');
}

function vttEscape(line: string): string {
  return line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/-->/g, '--&gt;');
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
