import { currentProfile, getJson } from '../profile.js';
import type { TitleDetails } from '../../src/home/api-shapes.js';
import { endPlayback, startPlayback, type PlaybackGrant } from './playback-api.js';
import { PlayerSession } from './session.js';
import { NextUp } from './next-up.js';
import type { PrefetchedTitle } from './prefetch.js';

/** What the page exposes for diagnostics (and the browser tests). */
interface PlayerState {
  titleId: string;
  session: PlayerSession | null;
  nextUp: NextUp | null;
  prefetched: PrefetchedTitle | null;
  autoplayAtEpochMs: number | null;
  startups: Array<{ titleId: string; ms: number }>;
}

// Segment timings of a whole episode and more must fit (the default buffer holds 250).
performance.setResourceTimingBufferSize(5000);
const profile = currentProfile();
const video = document.getElementById('v') as HTMLVideoElement;
const heading = document.getElementById('title') as HTMLElement;
const state: PlayerState = { titleId: '', session: null, nextUp: null, prefetched: null, autoplayAtEpochMs: null, startups: [] };
(window as unknown as { h3player: PlayerState }).h3player = state;

async function play(titleId: string, grant: Promise<PlaybackGrant>, intentAtEpochMs: number, startVariantUrl?: string): Promise<void> {
  // The title's details and the playback session are asked for at once.
  const [details, g] = await Promise.all([getJson<TitleDetails>(`/v1/titles/${encodeURIComponent(titleId)}`), grant]);
  state.titleId = titleId;
  heading.textContent = details.series ? `${details.series.title} · S${details.seasonNumber} E${details.episodeNumber} · ${details.title}` : details.title;
  document.title = `${details.title} · h3edge`;
  const session = new PlayerSession({
    video,
    grant: g,
    details,
    intentAtEpochMs,
    ...(startVariantUrl ? { startVariantUrl } : {}),
    onTime: (remaining) => state.nextUp?.onTime(remaining),
    onEnded: () => state.nextUp?.onEnded(),
  });
  state.session = session;
  const next = details.nextEpisode;
  state.nextUp = next
    ? new NextUp(next, profile, () => session.bandwidthKbps, (prefetch) => void autoplay(session, g, next.id, prefetch))
    : null;
}

async function autoplay(current: PlayerSession, currentGrant: PlaybackGrant, nextId: string, prefetch: Promise<PrefetchedTitle>): Promise<void> {
  state.autoplayAtEpochMs = Date.now();
  if (current.startupMs !== null) state.startups.push({ titleId: state.titleId, ms: current.startupMs });
  current.destroy();
  endPlayback(currentGrant);
  const p = await prefetch.catch(() => null);
  state.prefetched = p;
  history.replaceState(null, '', `/watch/${encodeURIComponent(nextId)}${location.search}`);
  await play(nextId, p ? Promise.resolve(p.grant) : startPlayback(nextId, profile), state.autoplayAtEpochMs, p?.variantUrl);
}

const titleId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const clickedAt = Number(sessionStorage.getItem('h3edge.playIntentAt'));
sessionStorage.removeItem('h3edge.playIntentAt');
// Startup counts from the click on the browse page when there was one, else from navigation.
const intentAt = clickedAt > 0 && clickedAt <= Date.now() ? clickedAt : performance.timeOrigin;
play(titleId, startPlayback(titleId, profile), intentAt).catch((err: unknown) => {
  heading.textContent = `Cannot play: ${String(err)}`;
  document.body.dataset.error = String(err);
});
