import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export interface TestBrowser {
  context: BrowserContext;
  /** Another context of the same browser: its own HTTP cache, cookies and connections. Closed with the browser. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Debian's headless Chromium with QUIC forced for our test origin and our self-signed
 * certificate accepted by its SPKI hash, so pages load over HTTP/3 from the first request.
 * Without `opts` it is a plain browser, for pages opened from files. `host` is the origin's host
 * (default `localhost`); `executablePath` a wrapper to start it with (inside a network namespace).
 */
export async function launchChromium(opts?: { port: number | number[]; spki: string; host?: string; executablePath?: string }): Promise<TestBrowser> {
  const origins = opts ? [opts.port].flat().map((p) => `${opts.host ?? 'localhost'}:${p}`).join(',') : '';
  const quic = opts ? ['--enable-quic', `--origin-to-force-quic-on=${origins}`, `--ignore-certificate-errors-spki-list=${opts.spki}`] : [];
  const browser: Browser = await chromium.launch({
    executablePath: opts?.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      ...quic,
    ],
  });
  // Playwright gives the browser a fresh temporary profile, so nothing is cached between runs.
  const context = await browser.newContext({ ignoreHTTPSErrors: false });
  return {
    context,
    newContext: () => browser.newContext({ ignoreHTTPSErrors: false }),
    close: async () => {
      await browser.close();
    },
  };
}
