import t from 'tap';
import { XMLParser } from 'fast-xml-parser';
import { rewriteHlsMaster } from './hls-master.js';
import { rewriteDashMpd } from './dash-mpd.js';

const master = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",LANGUAGE="en",NAME="English",URI="a/en/index.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
v/240p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud"
v/360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",AUDIO="aud"
v/720p/index.m3u8
`;

t.test('HLS: variants above the limit disappear with their URI lines', async (t) => {
  const out = rewriteHlsMaster(master, { maxHeight: 360, maxBandwidth: 10_000_000 });
  t.notMatch(out, /720p/);
  t.notMatch(out, /1280x720/);
  t.match(out, /v\/360p\/index.m3u8/);
  t.match(out, /#EXT-X-MEDIA:TYPE=AUDIO/);
  const byBw = rewriteHlsMaster(master, { maxHeight: 2160, maxBandwidth: 500_000 });
  t.equal(byBw.match(/#EXT-X-STREAM-INF/g)?.length, 1);
  const none = rewriteHlsMaster(master, { maxHeight: 100, maxBandwidth: 1 });
  t.match(none, /v\/240p\/index.m3u8/, 'the lowest variant stays when nothing fits');
  t.equal(none.match(/#EXT-X-STREAM-INF/g)?.length, 1);
});

t.test('HLS: steering tag added once, media playlists untouched', async (t) => {
  const out = rewriteHlsMaster(master, { maxHeight: 720, maxBandwidth: 1e9 }, { serverUri: '/v1/steering?s=1', pathwayId: 'a' });
  t.equal(out.match(/#EXT-X-CONTENT-STEERING:SERVER-URI="\/v1\/steering\?s=1",PATHWAY-ID="a"/g)?.length, 1);
  const media = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\ns1.m4s\n';
  t.equal(rewriteHlsMaster(media, { maxHeight: 1, maxBandwidth: 1 }), media);
});

const mpd = `<?xml version="1.0" encoding="utf-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT10S" minBufferTime="PT2S" profiles="urn:mpeg:dash:profile:isoff-live:2011">
  <Period id="0">
    <AdaptationSet contentType="video" mimeType="video/mp4" segmentAlignment="true">
      <SegmentTemplate timescale="1000" initialization="v/$RepresentationID$/init.mp4" media="v/$RepresentationID$/seg-$Number$.m4s" duration="4000"/>
      <Representation id="240p" bandwidth="400000" width="426" height="240" codecs="avc1.64001e"/>
      <Representation id="720p" bandwidth="3000000" width="1280" height="720" codecs="avc1.64001f"/>
    </AdaptationSet>
    <AdaptationSet contentType="audio" lang="en" mimeType="audio/mp4">
      <Representation id="en" bandwidth="128000" codecs="mp4a.40.2"/>
    </AdaptationSet>
  </Period>
</MPD>`;

t.test('DASH: representations above the limit disappear; structure kept; steering added', async (t) => {
  const out = rewriteDashMpd(mpd, { maxHeight: 540, maxBandwidth: 1e9 }, {
    serverUri: 'https://api/v1/steering?s=1',
    pathways: [
      { id: 'edge-a', baseUrl: 'https://a/t/tok/content/film/' },
      { id: 'edge-b', baseUrl: 'https://b/t/tok/content/film/' },
    ],
  });
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(out);
  const sets = parsed.MPD.Period.AdaptationSet;
  const video = sets[0];
  t.equal(video.Representation.id, '240p', 'only 240p left');
  t.equal(video.SegmentTemplate.media, 'v/$RepresentationID$/seg-$Number$.m4s');
  t.equal(sets[1].Representation.id, 'en', 'audio untouched');
  t.same(parsed.MPD.BaseURL.map((b: { serviceLocation: string }) => b.serviceLocation), ['edge-a', 'edge-b']);
  t.equal(parsed.MPD.ContentSteering.defaultServiceLocation, 'edge-a');
  t.equal(parsed.MPD.ContentSteering['#text'], 'https://api/v1/steering?s=1');
  t.match(out, /<\?xml/);
});
