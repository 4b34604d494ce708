// What the engine tells JavaScript. Events are queued while ngtcp2/nghttp3 are on the stack and
// delivered afterwards, so JavaScript never runs inside a library callback and may call back
// into the engine (respond, push, cancel) from its handlers.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stream.h"

namespace h3edge {

enum class EventKind : uint8_t {
  Request = 1,      // request headers complete; the stream is looked up at delivery
  Data = 2,         // a piece of request body (data)
  End = 3,          // request body ended
  Pull = 4,         // a streamed response body may be pushed again
  StreamClose = 5,  // flag: response completed and acknowledged; code: HTTP/3 error code
  ConnClose = 6,    // the connection is gone; its streams were closed before
  Refused = 7,      // a request the engine answered itself; code: HTTP status, 0 when the stream was reset
  Replay = 8,       // a replayed 0-RTT ClientHello: early data refused, a full handshake instead
  CarefulResume = 9,  // code: a CarefulResumeOutcome of the connection
  KeptClose = 10,     // a kept answer's stream closed; flag and code as StreamClose, `kept` says which (JavaScript gets a round's as one batch: kept_batch.h)
};

struct Event {
  /** StreamClose of `s`: its priority travels with the event. */
  static Event stream_close(uint64_t conn, const RequestStream& s, uint64_t code, bool completed) {
    Event ev{EventKind::StreamClose, conn, s.id, code, completed, {}};
    ev.urgency = s.urgency;
    ev.incremental = s.incremental;
    ev.priority_by_client = s.priority_by_client;
    return ev;
  }

  /** KeptClose of `s`, answered from the kept answers; `remote`: the connection's address. */
  static Event kept_close(uint64_t conn, const RequestStream& s, uint64_t code, bool completed, std::string remote,
                          uint64_t now_ns) {
    Event ev = stream_close(conn, s, code, completed);
    ev.kind = EventKind::KeptClose;
    ev.kept = s.kept;
    ev.bytes = completed ? s.body_bytes : s.acked_bytes;
    ev.seconds = static_cast<double>(now_ns - s.kept_at_ns) / 1e9;
    ev.remote = std::move(remote);
    return ev;
  }

  EventKind kind;
  uint64_t conn;
  int64_t stream;
  uint64_t code = 0;
  bool flag = false;
  std::vector<uint8_t> data;
  // StreamClose: the priority the response was sent at (urgency -1: it never got one).
  int urgency = -1;
  bool incremental = false;
  bool priority_by_client = false;
  // ConnClose: the connection's last statistics (rtt ms, cwnd, lost, sent, received, max UDP
  // payload, first flight packets, bandwidth estimate, last Careful Resume outcome).
  std::array<double, 9> stats{};
  // KeptClose: the answer, its body bytes acknowledged (all of them when completed), how long
  // since the head arrived, and the client's address.
  std::shared_ptr<const KeptResponse> kept;
  uint64_t bytes = 0;
  double seconds = 0;
  std::string remote;
};

}  // namespace h3edge
