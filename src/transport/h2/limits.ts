/**
 * Limits of the TCP listener (HTTP/2 and HTTP/1.1). Each names the attack it bounds; the README
 * lists them. Values are per connection unless said otherwise. Rapid reset (CVE-2023-44487) is
 * stopped by nghttp2's own stream-reset rate limit (a burst of 1000, then 33 per second, then
 * GOAWAY ENHANCE_YOUR_CALM), which test/abuse-h2.test.ts exercises with raw frames.
 */
export const TCP_LIMITS = Object.freeze({
  /** SETTINGS_MAX_CONCURRENT_STREAMS: more streams at once are refused (REFUSED_STREAM). */
  maxConcurrentStreams: 256,
  /** SETTINGS_MAX_HEADER_LIST_SIZE (HPACK bombs): a bigger decoded header list fails the stream. */
  maxHeaderListBytes: 16 * 1024,
  /** Header fields per request (header floods). */
  maxHeaderListPairs: 128,
  /** Invalid frames tolerated before the session is closed (CONTINUATION floods and other junk). */
  maxSessionInvalidFrames: 100,
  /** Refused streams tolerated before the session is closed (rapid reset, CVE-2023-44487). */
  maxSessionRejectedStreams: 100,
  /** Unanswered PINGs in flight (ping floods). */
  maxOutstandingPings: 10,
  /** Entries in one SETTINGS frame. */
  maxSettingsEntries: 32,
  /** nghttp2's memory per session in MB (slow readers cannot make it buffer without bound). */
  maxSessionMemoryMb: 16,
});
