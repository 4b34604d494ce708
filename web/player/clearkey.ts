/**
 * W3C ClearKey through EME for an encrypted title: the first `encrypted` event sets up MediaKeys
 * and one session; its license request is answered with `license` (requested in parallel with
 * the manifest) or, when that failed, by posting the CDM's own request to `licenseUrl`.
 */
export function attachClearKey(video: HTMLVideoElement, license: Promise<ArrayBuffer | null>, licenseUrl: string): void {
  let started = false;
  video.addEventListener('encrypted', (e) => {
    if (started || e.initData === null) return;
    started = true;
    void (async () => {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
        {
          initDataTypes: ['cenc', 'keyids'],
          videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.64001f"' }],
          audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
        },
      ]);
      const keys = await access.createMediaKeys();
      await video.setMediaKeys(keys);
      const session = keys.createSession('temporary');
      session.addEventListener('message', (m) => {
        void (async () => {
          const answer =
            (await license.catch(() => null)) ??
            (await (await fetch(licenseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: m.message })).arrayBuffer());
          await session.update(answer);
        })();
      });
      await session.generateRequest(e.initDataType, e.initData!);
    })();
  });
}
