import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FilmEntry } from '../../src/media/catalog.js';

/** A title `film` with a three-rung HLS master and a matching MPD, for playback API tests. */
export function addLadderTitle(mediaDir: string, titleId = 'film'): void {
  const dir = join(mediaDir, titleId);
  mkdirSync(join(dir, 'v'), { recursive: true });
  writeFileSync(
    join(dir, 'master.m3u8'),
    `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.64001e"
v/240p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=960x540,CODECS="avc1.64001f"
v/540p.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f"
v/720p.m3u8
`,
  );
  writeFileSync(
    join(dir, 'manifest.mpd'),
    `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT8S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0">
    <AdaptationSet contentType="video" mimeType="video/mp4">
      <Representation id="240p" bandwidth="400000" width="426" height="240" codecs="avc1.64001e"/>
      <Representation id="540p" bandwidth="1200000" width="960" height="540" codecs="avc1.64001f"/>
      <Representation id="720p" bandwidth="3000000" width="1280" height="720" codecs="avc1.64001f"/>
    </AdaptationSet>
  </Period>
</MPD>
`,
  );
  writeFileSync(join(dir, 'v', 'seg-1.m4s'), randomBytes(50_000));
}

/** The catalog entry of a title `addLadderTitle` made; `i` varies its year, genres and synopsis. */
export const ladderFilmEntry = (id: string, i = 0): FilmEntry => ({
  id,
  type: 'film',
  title: `Title ${id}`,
  synopsis: 'x'.repeat(i % 7),
  maturityRating: 'PG',
  year: 2000 + (i % 26),
  genres: i % 2 === 0 ? ['Drama'] : ['Drama', 'Comedy'],
  durationSec: 8,
  manifests: { hls: `${id}/master.m3u8`, dash: `${id}/manifest.mpd` },
  delivery: 'segments',
  audioLanguages: ['en'],
  subtitleLanguages: [],
  maxHeight: 720,
});
