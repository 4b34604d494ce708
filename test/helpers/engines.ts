import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, PuppeteerNode } from 'puppeteer-core';
import { scratchDir } from './scratch.js';
import type { TestCerts } from './certs.js';

// puppeteer-core's CommonJS build: under tap's TypeScript loader its ESM build cannot load
// chromium-bidi (the loader resolves the package's "./lib/cjs/*" export pattern instead of the
// more specific "./lib/cjs/*.js" one, and asks for BidiMapper.js.js).
const puppeteer = createRequire(import.meta.url)('puppeteer-core') as PuppeteerNode;

/** The browser engines the player matrix runs: Debian's Chromium and Firefox ESR. */
export type Engine = 'chromium' | 'firefox';

export interface EngineBrowser {
  engine: Engine;
  browser: Browser;
  close(): Promise<void>;
}

/** Flags every headless Chromium of the suite runs with (the machine has no network and no GPU). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  // Tabs of one test play at once: none of them is a background tab to be throttled.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Starts `engine` headless over WebDriver BiDi (Firefox) or CDP (Chromium) with puppeteer-core and
 * Debian's binary, speaking HTTP/3 to `https://localhost:<port>` from the first request and
 * trusting `certs` the way a user would set it up: Chromium by the leaf's SPKI hash, Firefox by
 * the local CA imported into its profile's certificate store (no "accept insecure certificates").
 * A fresh profile each time; the browser is the caller's to close.
 */
export async function launchEngine(engine: Engine, opts: { port: number; certs: TestCerts; trustCa?: boolean; firefoxPrefs?: Record<string, unknown> }): Promise<EngineBrowser> {
  const browser = engine === 'chromium' ? await launchChromium(opts) : await launchFirefox(opts);
  return { engine, browser, close: () => browser.close() };
}

async function launchChromium(opts: { port: number; certs: TestCerts }): Promise<Browser> {
  return puppeteer.launch({
    browser: 'chrome',
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir: scratchDir('h3edge-chromium-'),
    args: [...CHROMIUM_ARGS, '--enable-quic', `--origin-to-force-quic-on=localhost:${opts.port}`, `--ignore-certificate-errors-spki-list=${opts.certs.spki}`],
  });
}

async function launchFirefox(opts: { port: number; certs: TestCerts; trustCa?: boolean; firefoxPrefs?: Record<string, unknown> }): Promise<Browser> {
  const profile = scratchDir('h3edge-firefox-');
  // The profile's NSS database with our CA as a trusted authority for TLS servers (C,,);
  // `trustCa: false` leaves it out (the control: then Firefox must refuse the node).
  execFileSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password'], { stdio: 'ignore' });
  if (opts.trustCa !== false) execFileSync('certutil', ['-A', '-d', `sql:${profile}`, '-n', 'h3edge-dev-ca', '-t', 'C,,', '-i', opts.certs.caFile], { stdio: 'ignore' });
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    args: ['--profile', profile],
    extraPrefsFirefox: {
      // HTTP/3 to our port from the first request: the mapping alone acts like an Alt-Svc seen
      // before (h3 raced against TCP, requests on h2 until QUIC is up — on a busy machine, many);
      // forced, Firefox goes straight to h3 as Mozilla's own network benchmarks set it.
      'network.http.http3.enable': true,
      'network.http.http3.alt-svc-mapping-for-testing': `localhost;h3=":${opts.port}"`,
      'network.http.http3.force-use-alt-svc-mapping-for-testing': true,
      // Firefox turns HTTP/3 off once it sees a root a user imported (its guard against TLS-inspecting
      // proxies); the certificate is still verified against that root. Ours is such a root.
      'network.http.http3.disable_when_third_party_roots_found': false,
      // Playback without a user gesture, also in tabs that are not in front.
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
      'media.block-autoplay-until-in-foreground': false,
      'dom.min_background_timeout_value': 4,
      'dom.timeout.enable_budget_timer_throttling': false,
      'media.suspend-bkgnd-video.enabled': false,
      // EME with the ClearKey CDM that ships with Firefox; no plugin downloads (no network).
      'media.eme.enabled': true,
      'media.gmp-manager.updateEnabled': false,
      'media.gmp-provider.enabled': false,
      'app.update.enabled': false,
      'browser.safebrowsing.downloads.remote.enabled': false,
      ...opts.firefoxPrefs,
    },
  });
}

/** Where a test keeps screenshots of what the browsers showed (gitignored). */
export function artifactPath(...parts: string[]): string {
  return join(import.meta.dirname, '..', 'artifacts', ...parts);
}
