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
  const out = rewriteDashMpd(mpd, {
    limit: { maxHeight: 540, maxBandwidth: 1e9 },
    steering: {
      serverUri: 'https://api/v1/steering?s=1',
      pathways: [
        { id: 'edge-a', baseUrl: 'https://a/t/tok/content/film/' },
        { id: 'edge-b', baseUrl: 'https://b/t/tok/content/film/' },
      ],
    },
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

t.test('DASH and HLS DRM signalling', async (t) => {
  const kid = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  const protection = { kid, scheme: 'cenc' as const, clearKeyUrl: 'https://l/ck?session=s', widevineUrl: 'https://wv/lic', playreadyUrl: 'https://pr/lic' };
  const out = rewriteDashMpd(mpd, { limit: { maxHeight: 2160, maxBandwidth: 1e9 }, protection });
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(out);
  t.equal(parsed.MPD['xmlns:cenc'], 'urn:mpeg:cenc:2013');
  for (const set of parsed.MPD.Period.AdaptationSet) {
    const cps = set.ContentProtection;
    t.equal(cps.length, 4, `${set.contentType}: mp4protection + 3 systems`);
    t.equal(cps[0]['cenc:default_KID'], 'a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf');
    t.equal(cps[1].schemeIdUri, 'urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed');
    const pssh = Buffer.from(cps[1]['cenc:pssh'], 'base64');
    t.equal(pssh.subarray(4, 8).toString(), 'pssh');
    t.equal(pssh.subarray(12, 28).toString('hex'), 'edef8ba979d64acea3c827dcd51d21ed');
    t.equal(pssh.subarray(32, 48).toString('hex'), kid, 'the key id is in the pssh');
    t.equal(cps[3]['dashif:Laurl']['#text'], 'https://l/ck?session=s');
  }
  const { addHlsMediaKeys, hlsKeyTags } = await import('./hls-keys.js');
  const media = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4,\ns1.m4s\n';
  const keyed = addHlsMediaKeys(media, protection);
  t.match(keyed, /#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text\/plain;base64,[^"]+",KEYID=0xA0A1A2A3A4A5A6A7A8A9AAABACADAEAF,KEYFORMAT="urn:uuid:edef8ba9/);
  t.ok(keyed.indexOf('#EXT-X-KEY') < keyed.indexOf('#EXT-X-MAP'), 'keys precede the map');
  const subtitles = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nseg-1.vtt\n#EXT-X-ENDLIST\n';
  t.equal(addHlsMediaKeys(subtitles, protection), subtitles, 'a WebVTT subtitles playlist gets no key');
  t.equal(hlsKeyTags({ ...protection, scheme: 'cbcs', fairplayUrl: 'https://fp' }, 'EXT-X-SESSION-KEY').filter((l) => l.includes('skd://')).length, 1);

  // ClearKey as hls.js reads it (org.w3.clearkey + license server) and as Shaka reads it (identity).
  const withIdentity = { ...protection, identityKeyUrl: 'https://l/ck/key?session=s&kid=' + kid };
  const cenc = hlsKeyTags(withIdentity, 'EXT-X-KEY');
  t.same(
    cenc.map((l) => /KEYFORMAT="([^"]+)"/.exec(l)?.[1]),
    ['urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed', 'com.microsoft.playready', 'org.w3.clearkey', 'identity'],
    'Widevine and PlayReady stay; ClearKey is signalled both ways',
  );
  t.equal(cenc[3], `#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="https://l/ck/key?session=s&kid=${kid}",KEYFORMAT="identity"`);
  t.ok(cenc.every((l) => l.startsWith('#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,')), 'one method for every key format');
  const cbcs = hlsKeyTags({ ...withIdentity, scheme: 'cbcs', fairplayUrl: 'https://fp' }, 'EXT-X-SESSION-KEY');
  t.notOk(cbcs.some((l) => l.includes('KEYFORMAT="identity"')), "no identity key for 'cbcs' (hls.js would take it for MPEG-TS SAMPLE-AES)");
  t.ok(cbcs.some((l) => l.includes('KEYFORMAT="com.apple.streamingkeydelivery"')), 'FairPlay stays for cbcs');
  t.match(addHlsMediaKeys(media, withIdentity), /KEYFORMAT="identity"\n#EXT-X-MAP/, 'the identity key also precedes the map in media playlists');
});
