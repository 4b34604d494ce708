import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's headless Chromium with QUIC forced for our test origin and our self-signed
 * certificate accepted by its SPKI hash, so pages load over HTTP/3 from the first request.
 */
export async function launchChromium(opts: { port: number | number[]; spki: string }): Promise<TestBrowser> {
  const origins = [opts.port].flat().map((p) => `localhost:${p}`).join(',');
  const browser: Browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
      '--enable-quic',
      `--origin-to-force-quic-on=${origins}`,
      `--ignore-certificate-errors-spki-list=${opts.spki}`,
    ],
  });
  // Playwright gives the browser a fresh temporary profile, so nothing is cached between runs.
  const context = await browser.newContext({ ignoreHTTPSErrors: false });
  return {
    context,
    close: async () => {
      await browser.close();
    },
  };
}
