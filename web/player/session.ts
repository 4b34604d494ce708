import Hls from 'hls.js';
import type { TitleDetails } from '../../src/home/api-shapes.js';
import { CdnPool } from './cdn-pool.js';
import { failoverLoaderClass } from './failover-loader.js';
import { requestLicense, type PlaybackGrant } from './playback-api.js';
import { SessionReporter } from './qoe.js';

/** Playback starts once this much is buffered (or the rest of the title, if shorter). */
const START_BUFFER_SEC = 2;

export interface SessionOptions {
  video: HTMLVideoElement;
  grant: PlaybackGrant;
  details: TitleDetails;
  /** When the viewer asked to play (click or autoplay), epoch ms: startup time counts from here. */
  intentAtEpochMs: number;
  /** Start on this video playlist (its first segments were prefetched); else by bandwidth. */
  startVariantUrl?: string;
  onTime(remainingSec: number): void;
  onEnded(): void;
}

/**
 * One title playing: hls.js with a conservative start (the grant's start bitrate as the first
 * estimate), a 20–30 s forward buffer, CDN failover in the loader, playback once 2 s are
 * buffered, and QoE/heartbeat reporting. `destroy()` stops all of it.
 */
export class PlayerSession {
  readonly hls: Hls;
  readonly pool: CdnPool;
  readonly reporter: SessionReporter;
  startupMs: number | null = null;
  firstFrameEpochMs: number | null = null;
  private readonly cleanup: Array<() => void> = [];

  constructor(private readonly opts: SessionOptions) {
    const { video, grant } = opts;
    this.pool = new CdnPool(grant.cdns.map((c) => c.baseUrl));
    // The license is asked for when hls.js starts loading the manifest, so it is on its way
    // before any media (and long before the CDM asks); the CDM's request later is answered from
    // it (licenseXhrSetup points hls.js's XHR at it) instead of going out again.
    let askForLicense: () => void = () => {};
    const license = new Promise<ArrayBuffer | null>((resolve) => (askForLicense = () => resolve(requestLicense(grant))));
    this.hls = new Hls({
      autoStartLoad: false,
      testBandwidth: false,
      abrEwmaDefaultEstimate: grant.policy.startBitrateKbps * 1000,
      maxBufferLength: 20,
      maxMaxBufferLength: 30,
      backBufferLength: 30,
      capLevelToPlayerSize: true,
      emeEnabled: grant.drm !== null,
      drmSystems: grant.drm?.system === 'clearkey' ? { 'org.w3.clearkey': { licenseUrl: grant.drm.licenseUrl } } : {},
      licenseXhrSetup: async (xhr: XMLHttpRequest) => {
        const body = await license.catch(() => null);
        if (body) xhr.open('GET', URL.createObjectURL(new Blob([body], { type: 'application/json' })), true);
      },
      loader: failoverLoaderClass({ pool: this.pool, slowKbps: () => (this.hls.levels[0]?.bitrate ?? 0) / 1000, slowFragments: 3 }) as never,
    });
    this.reporter = new SessionReporter(grant, () => ({
      positionSec: video.currentTime,
      durationSec: Number.isFinite(video.duration) ? video.duration : opts.details.durationSec,
      bandwidthKbps: this.hls.bandwidthEstimate / 1000,
    }));
    this.pool.onFailover((_from, _to, reason) => this.reporter.report({ type: 'failover', reason }));
    this.hls.once(Hls.Events.MANIFEST_LOADING, () => queueMicrotask(askForLicense));
    this.wire();
    this.hls.attachMedia(video);
    this.hls.loadSource(grant.manifests.hls);
  }

  private wire(): void {
    const { video } = this.opts;
    const hls = this.hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      const pinned = this.opts.startVariantUrl === undefined ? -1 : hls.levels.findIndex((l) => l.uri === this.opts.startVariantUrl);
      if (pinned >= 0) hls.startLevel = pinned;
      hls.startLoad(0);
    });
    let lastLevel = -1;
    hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => {
      const level = hls.levels[d.level];
      if (lastLevel !== -1 && level && d.level !== lastLevel) this.reporter.report({ type: 'switch', height: level.height, kbps: Math.round(level.bitrate / 1000) });
      lastLevel = d.level;
    });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (d.fatal) document.body.dataset.error = `${d.type}: ${d.details}`;
    });
    let started = false;
    const maybeStart = (): void => {
      if (started || video.buffered.length === 0) return;
      const ahead = video.buffered.end(video.buffered.length - 1) - video.currentTime;
      const rest = (Number.isFinite(video.duration) ? video.duration : this.opts.details.durationSec) - video.currentTime;
      if (ahead < Math.min(START_BUFFER_SEC, rest - 0.1)) return;
      started = true;
      video.play().catch(() => {
        // Autoplay with sound refused: start muted, the controls can unmute.
        video.muted = true;
        void video.play();
      });
    };
    hls.on(Hls.Events.FRAG_BUFFERED, maybeStart);
    this.listen('playing', () => {
      if (this.firstFrameEpochMs !== null) return;
      const first = (): void => {
        this.firstFrameEpochMs = performance.timeOrigin + performance.now();
        this.startupMs = Math.round(this.firstFrameEpochMs - this.opts.intentAtEpochMs);
        this.reporter.report({ type: 'startup', ms: this.startupMs });
        document.body.dataset.playing = this.opts.grant.titleId;
      };
      if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(first);
      else first();
    });
    let stalledAt: number | null = null;
    this.listen('waiting', () => {
      if (this.firstFrameEpochMs !== null && !video.seeking) stalledAt = performance.now();
    });
    this.listen('playing', () => {
      if (stalledAt !== null) this.reporter.report({ type: 'rebuffer', ms: Math.round(performance.now() - stalledAt) });
      stalledAt = null;
    });
    this.listen('timeupdate', () => {
      if (Number.isFinite(video.duration)) this.opts.onTime(video.duration - video.currentTime);
    });
    this.listen('ended', () => this.opts.onEnded());
  }

  private listen(event: keyof HTMLMediaElementEventMap, handler: () => void): void {
    this.opts.video.addEventListener(event, handler);
    this.cleanup.push(() => this.opts.video.removeEventListener(event, handler));
  }

  /** Current bandwidth estimate in kbit/s. */
  get bandwidthKbps(): number {
    return this.hls.bandwidthEstimate / 1000;
  }

  destroy(): void {
    for (const c of this.cleanup) c();
    this.reporter.stop();
    this.hls.destroy();
  }
}
