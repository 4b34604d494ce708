import http2, { type ServerHttp2Stream } from 'node:http2';

/** How often, and how long at most, the response's END_STREAM is waited for. */
const POLL_MS = 20;
const MAX_POLLS = 500;

/**
 * RFC 9113 §8.1: a server that answered before the request body ended sends RST_STREAM with
 * NO_ERROR so the client stops sending the rest. Not before the response's END_STREAM has left:
 * nghttp2 drops DATA still queued when the reset goes out, which would cut the answer short, and
 * node has no event for it, so the stream's state is polled (for at most 10 s; after that the
 * stream stays until the connection idles out). Does nothing when the request already ended.
 */
export function refuseRestOfBody(stream: ServerHttp2Stream): void {
  let polls = 0;
  const attempt = (): void => {
    if (stream.destroyed || stream.state.remoteClose) return;
    if (stream.state.localClose) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    else if (++polls < MAX_POLLS) setTimeout(attempt, POLL_MS).unref();
  };
  attempt();
}
