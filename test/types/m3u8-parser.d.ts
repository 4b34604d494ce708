// m3u8-parser ships no types; the tests read its manifest object loosely.
declare module 'm3u8-parser';
