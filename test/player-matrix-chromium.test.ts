import t from 'tap';
import { runPlayerMatrix } from './helpers/player-matrix.js';

// Chromium × {hls.js, dash.js, Shaka} × {clear film with a second audio language and subtitles,
// byte-range episode, ClearKey film through a playback session}, all over HTTP/3.
await runPlayerMatrix(t, 'chromium');
