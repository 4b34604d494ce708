import type { ByteRange, PackagedTitle, Rendition, SubtitleTrack } from './packaged-title.js';

/** Name of the MPD at the title root. */
export const DASH_MANIFEST = 'manifest.mpd';

const PROFILE_LIVE = 'urn:mpeg:dash:profile:isoff-live:2011';
const PROFILE_ON_DEMAND = 'urn:mpeg:dash:profile:isoff-on-demand:2011';

/**
 * Writes a static MPD (ISO/IEC 23009-1) for a packaged title: one video AdaptationSet, one audio
 * AdaptationSet per language and, per subtitle language, two text AdaptationSets of CMAF text
 * tracks: IMSC1 (`stpp`) then WebVTT (`wvtt`). Every track is addressed the same way: segmented
 * titles use the live profile with SegmentTemplate + SegmentTimeline built from the real fragment
 * times; single-file titles use the on-demand profile with SegmentBase + sidx. Every URL is
 * relative to the MPD.
 */
export function buildMpd(title: PackagedTitle): string {
  const sets: string[] = [];
  let id = 0;
  const top = title.video[title.video.length - 1];
  const fps = top?.frameRate ? frameRate(top.frameRate) : undefined;
  sets.push(
    `    <AdaptationSet id="${id++}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1"` +
      ` maxWidth="${top?.width ?? 0}" maxHeight="${top?.height ?? 0}"${fps ? ` frameRate="${fps}"` : ''}>\n` +
      title.video.map((v) => representation(v, title, `width="${v.width}" height="${v.height}" sar="1:1"`)).join('') +
      '    </AdaptationSet>\n',
  );
  title.audio.forEach((a, i) => {
    sets.push(
      `    <AdaptationSet id="${id++}" contentType="audio" mimeType="audio/mp4" lang="${a.language?.tag ?? 'und'}" segmentAlignment="true" startWithSAP="1">\n` +
        `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${i === 0 ? 'main' : 'alternate'}"/>\n` +
        `      <Label>${a.language?.name ?? a.id}</Label>\n` +
        representation(
          a,
          title,
          `audioSamplingRate="${a.sampleRate ?? 48000}"`,
          `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels ?? 2}"/>\n`,
        ) +
        '    </AdaptationSet>\n',
    );
  });
  for (const s of title.subtitles) {
    sets.push(textSet(id++, s, s.imsc1, s.language.name, title));
    sets.push(textSet(id++, s, s.webVtt, `${s.language.name} (WebVTT)`, title));
  }
  const duration = `PT${title.durationSec.toFixed(3)}S`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="${title.singleFile ? PROFILE_ON_DEMAND : PROFILE_LIVE}"` +
    ` mediaPresentationDuration="${duration}" minBufferTime="PT${title.segmentSeconds}S">\n` +
    `  <Period id="0" start="PT0S" duration="${duration}">\n${sets.join('')}  </Period>\n</MPD>\n`
  );
}

function representation(r: Rendition, title: PackagedTitle, attrs: string, inner = ''): string {
  const open = `      <Representation id="${representationId(r)}" codecs="${r.codecs}" bandwidth="${r.peakBitsPerSec}"${attrs ? ` ${attrs}` : ''}>\n`;
  const addressing = title.singleFile ? segmentBase(r) : segmentTemplate(r);
  return `${open}${inner}${addressing}      </Representation>\n`;
}

function segmentTemplate(r: Rendition): string {
  const first = r.segments[0];
  const media = first ? first.uri.replace(/seg-\d+\.m4s$/, 'seg-$Number$.m4s') : '';
  return (
    `        <SegmentTemplate timescale="${r.timescale}" initialization="${r.init.uri}" media="${media}" startNumber="1">\n` +
    `          <SegmentTimeline>\n${timeline(r)}          </SegmentTimeline>\n` +
    '        </SegmentTemplate>\n'
  );
}

// ISO/IEC 23009-1 §5.3.9.6: runs of equal durations collapse into one S with @r repeats; @t is
// written where a gap or the first segment needs it.
function timeline(r: Rendition): string {
  const out: string[] = [];
  let expected = -1;
  let run: { t?: number; d: number; r: number } | undefined;
  const flush = (): void => {
    if (!run) return;
    out.push(`            <S${run.t !== undefined ? ` t="${run.t}"` : ''} d="${run.d}"${run.r > 0 ? ` r="${run.r}"` : ''}/>\n`);
  };
  for (const s of r.segments) {
    if (run && s.decodeTime === expected && s.durationTicks === run.d) run.r++;
    else {
      flush();
      run = { t: s.decodeTime === expected ? undefined : s.decodeTime, d: s.durationTicks, r: 0 };
    }
    expected = s.decodeTime + s.durationTicks;
  }
  flush();
  return out.join('');
}

function segmentBase(r: Rendition): string {
  const index = r.indexRange as ByteRange;
  const init = r.init.byteRange as ByteRange;
  return (
    `        <BaseURL>${r.init.uri}</BaseURL>\n` +
    `        <SegmentBase timescale="${r.timescale}" indexRange="${span(index)}" indexRangeExact="true">\n` +
    `          <Initialization range="${span(init)}"/>\n` +
    '        </SegmentBase>\n'
  );
}

// Text AdaptationSets are told apart by codec (IMSC1 or WebVTT) and share the language's Role
// and lang; players pick the format they render and list both.
function textSet(id: number, s: SubtitleTrack, r: Rendition, label: string, title: PackagedTitle): string {
  return (
    `    <AdaptationSet id="${id}" contentType="text" mimeType="application/mp4" lang="${s.language.tag}" segmentAlignment="true" startWithSAP="1">\n` +
    '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>\n' +
    `      <Label>${label}</Label>\n` +
    representation(r, title, '') +
    '    </AdaptationSet>\n'
  );
}

function representationId(r: Rendition): string {
  if (r.kind === 'audio') return `audio-${r.id}`;
  if (r.kind === 'text') return `text-${r.language?.tag ?? 'und'}-${r.id}`;
  return r.id;
}

function span(r: ByteRange): string {
  return `${r.offset}-${r.offset + r.length - 1}`;
}

function frameRate(fps: number): string {
  if (Number.isInteger(fps)) return String(fps);
  const ntsc = Math.round(fps * 1.001);
  return Math.abs(ntsc / 1.001 - fps) < 0.001 ? `${ntsc * 1000}/1001` : fps.toFixed(3);
}
