// One request stream: what the client sent and what the response still holds on to.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nghttp3/nghttp3.h>

#include "js_ref.h"

namespace h3edge {

/**
 * A piece of response body. `owner` keeps the JavaScript Buffer alive until it is acknowledged;
 * a kept answer's body is held by its KeptResponse (`shared_owner`) instead.
 */
struct BodyChunk {
  JsRef owner;
  const uint8_t* data = nullptr;
  size_t len = 0;
  std::shared_ptr<const void> shared_owner;
};

struct KeptResponse;

struct RequestStream {
  explicit RequestStream(int64_t stream_id) : id(stream_id) {}

  const int64_t id;

  // Request, filled by the nghttp3 header callbacks.
  std::string method, path, authority, scheme;
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t header_bytes = 0;      // RFC 9114 §4.2.2 field section size so far
  uint64_t raw_header_bytes = 0;  // stream bytes before the header section ended
  bool headers_done = false;
  bool headers_too_large = false;
  bool early = false;             // the header section arrived in 0-RTT
  bool priority_header = false;   // a valid Priority field was present
  bool server_priority = false;   // ours is set: nghttp3 no longer applies the client's updates
  // The priority the response is sent at (RFC 9218), set at respond() and by later updates;
  // urgency -1 until then. `priority_by_client`: the client's signal chose it, not our default.
  int urgency = -1;
  bool incremental = false;
  bool priority_by_client = false;
  bool delivered = false;         // the Request event reached JavaScript
  // Answered from the kept answers (kept_answers.h) when it ended its head, without JavaScript;
  // held until the stream closes (KeptClose event).
  std::shared_ptr<const KeptResponse> kept;
  uint64_t kept_at_ns = 0;
  // Request body flow control: credit returns only for bytes JavaScript consumed (consume()),
  // so a body nobody reads stops at the stream and connection windows instead of piling up.
  uint64_t body_unconsumed = 0;   // body bytes handed to JavaScript and not consumed yet
  bool read_stopped = false;      // stop_reading(): STOP_SENDING sent, the rest is refused

  // Response.
  bool responded = false;
  bool streaming = false;    // body comes in pieces through push()
  bool eof = false;          // no more body pieces will come
  bool paused = false;       // push() said "stop": a Pull event is owed
  bool cancelled = false;
  std::deque<BodyChunk> chunks;  // not yet acknowledged, oldest first
  size_t unread = 0;             // index of the first chunk nghttp3 has not taken yet
  uint64_t pushed_bytes = 0;
  uint64_t written_bytes = 0;    // stream bytes ngtcp2 took into packets (incl. HTTP/3 framing)
  bool fin_written = false;      // the last byte and the FIN went into a packet
  uint64_t body_bytes = 0;       // total response body bytes handed over
  uint64_t acked_bytes = 0;
  uint64_t ack_pending = 0;      // acknowledged bytes not yet matched to whole chunks

  bool completed() const { return responded && eof && acked_bytes >= body_bytes; }
};

}  // namespace h3edge
