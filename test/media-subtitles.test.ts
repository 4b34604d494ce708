import t from 'tap';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { formatImsc1, formatWebVtt, parseWebVtt } from '../src/media/subtitles.js';
import { syntheticCues } from '../src/media/synthetic-cues.js';
import { InvalidSubtitles } from '../src/media/errors.js';

const SAMPLE = `\uFEFFWEBVTT - a header comment\r
\r
NOTE this block is dropped\r
\r
intro\r
00:01.000 --> 00:03.500 align:start line:90%\r
<v Narrator>Fish & <i>chips</i></v>\r
second line\r
\r
01:00:00.250 --> 01:00:02.000\r
a &lt;tag&gt; that is text\r
`;

t.test('WebVTT parses into plain cues', async (t) => {
  const cues = parseWebVtt(SAMPLE);
  t.same(cues, [
    { startSec: 1, endSec: 3.5, lines: ['Fish & chips', 'second line'] },
    { startSec: 3600.25, endSec: 3602, lines: ['a <tag> that is text'] },
  ]);
});

t.test('formatWebVtt round-trips and escapes markup characters', async (t) => {
  const cues = parseWebVtt(SAMPLE);
  const text = formatWebVtt(cues);
  t.match(text, /^WEBVTT\n\n1\n00:00:01\.000 --> 00:00:03\.500\nFish &amp; chips\nsecond line\n/);
  t.match(text, /01:00:00\.250 --> 01:00:02\.000\na &lt;tag&gt; that is text/);
  t.same(parseWebVtt(text), cues);
});

t.test('IMSC1 output is well-formed TTML with the same cues', async (t) => {
  const cues = parseWebVtt(SAMPLE);
  const ttml = formatImsc1(cues, 'en');
  t.equal(XMLValidator.validate(ttml), true, 'well-formed XML');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'p' }).parse(ttml);
  t.equal(doc.tt.xmlns, 'http://www.w3.org/ns/ttml');
  t.equal(doc.tt['ttp:profile'], 'http://www.w3.org/ns/ttml/profile/imsc1/text');
  t.equal(doc.tt['ttp:timeBase'], 'media');
  t.equal(doc.tt['xml:lang'], 'en');
  const ps = doc.tt.body.div.p;
  t.equal(ps.length, 2);
  t.equal(ps[0].begin, '00:00:01.000');
  t.equal(ps[0].end, '00:00:03.500');
  t.equal(ps[1].begin, '01:00:00.250');
  t.match(ttml, /Fish &amp; chips<br\/>second line/);
  t.match(ttml, /a &lt;tag&gt; that is text/);
});

t.test('bad WebVTT is refused with InvalidSubtitles', async (t) => {
  t.throws(() => parseWebVtt('1\n00:00.000 --> 00:01.000\nhi\n'), InvalidSubtitles, 'no header');
  t.throws(() => parseWebVtt('WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n'), InvalidSubtitles, 'ends before start');
  t.throws(() => parseWebVtt('WEBVTT\n\n00:00.000 --> soon\nhi\n'), InvalidSubtitles, 'bad timing');
  t.throws(() => parseWebVtt('WEBVTT\n\n00:61.000 --> 00:62.000\nhi\n'), InvalidSubtitles, 'seconds out of range');
});

t.test('generated cues differ per language and stay inside the title', async (t) => {
  const en = syntheticCues('en', 30, 'Demo');
  const fr = syntheticCues('fr', 30, 'Demo');
  t.equal(en.length, fr.length);
  t.ok(en.length >= 9);
  t.not(en[1]?.lines[1], fr[1]?.lines[1]);
  t.ok(en.every((c) => c.endSec <= 30 && c.startSec < c.endSec));
  t.same(syntheticCues('en', 30, 'Demo'), en, 'deterministic');
});
