import type { PlayableSummary } from '../../src/home/api-shapes.js';
import { endPlayback, startPlayback } from './playback-api.js';
import { prefetchTitle, type PrefetchedTitle } from './prefetch.js';

/** Prefetching starts this long before the end; the countdown shows for the last COUNTDOWN_SEC. */
const PREFETCH_LEAD_SEC = 15;
const COUNTDOWN_SEC = 10;

/**
 * The next episode: prefetched (session, playlists, init and first segments, at low priority)
 * as the current one nears its end, announced with a countdown, started at the end unless the
 * viewer cancels. `start` receives the prefetched title.
 */
export class NextUp {
  private prefetch: Promise<PrefetchedTitle> | null = null;
  private cancelled = false;
  private started = false;
  private readonly overlay = document.getElementById('next-up') as HTMLElement;

  constructor(
    private readonly next: PlayableSummary,
    private readonly profile: string,
    private readonly bandwidthKbps: () => number,
    private readonly start: (next: Promise<PrefetchedTitle>) => void,
  ) {
    (this.overlay.querySelector('.next-title') as HTMLElement).textContent = next.title;
    (this.overlay.querySelector('.play-now') as HTMLButtonElement).onclick = () => this.go();
    (this.overlay.querySelector('.cancel') as HTMLButtonElement).onclick = () => this.cancel();
  }

  /** Called on every time update of the current title. */
  onTime(remainingSec: number): void {
    if (this.cancelled || this.started) return;
    if (remainingSec <= PREFETCH_LEAD_SEC) this.prefetch ??= this.fetchAhead();
    if (remainingSec <= COUNTDOWN_SEC) {
      this.overlay.hidden = false;
      (this.overlay.querySelector('.seconds') as HTMLElement).textContent = String(Math.max(0, Math.ceil(remainingSec)));
    }
  }

  /** The current title ended: autoplay. */
  onEnded(): void {
    if (!this.cancelled) this.go();
  }

  /** What was fetched ahead, for diagnostics. */
  get prefetched(): Promise<PrefetchedTitle> | null {
    return this.prefetch;
  }

  private fetchAhead(): Promise<PrefetchedTitle> {
    const work = startPlayback(this.next.id, this.profile).then((grant) => prefetchTitle(grant, this.bandwidthKbps() * 0.8));
    work.catch(() => undefined);
    return work;
  }

  private go(): void {
    if (this.started) return;
    this.started = true;
    this.overlay.hidden = true;
    this.start((this.prefetch ??= this.fetchAhead()));
  }

  private cancel(): void {
    this.cancelled = true;
    this.overlay.hidden = true;
    void this.prefetch?.then((p) => endPlayback(p.grant)).catch(() => undefined);
  }
}
