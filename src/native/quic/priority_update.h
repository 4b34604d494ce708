// The client's HTTP/3 control stream, read beside nghttp3 for one frame type: PRIORITY_UPDATE
// for request streams (RFC 9218 §7.1). nghttp3 (0.8, and 1.8 still: see
// nghttp3_conn_set_server_stream_priority) ignores an update for a request whose priority the
// server set, and we set our per-class default on every response the client sent
// no signal for, so a client raising a request it now needs (a prefetch the player turned into
// the next segment) would go unheard. Http3 re-applies what this reader finds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <nghttp3/nghttp3.h>

namespace h3edge {

struct PriorityUpdate {
  int64_t stream_id;
  nghttp3_pri pri;
};

class PriorityUpdateReader {
 public:
  /**
   * Bytes of one client-initiated unidirectional stream, in stream order. Streams other than the
   * control stream are told apart by their type and ignored; malformed input is left to nghttp3,
   * which closes the connection for it.
   */
  void feed(int64_t stream_id, const uint8_t* data, size_t len, std::vector<PriorityUpdate>* out);

 private:
  void parse(std::vector<PriorityUpdate>* out);

  int64_t control_id_ = -1;
  std::vector<int64_t> other_streams_;  // at most the client's unidirectional stream limit
  std::vector<uint8_t> pending_;        // a frame not complete yet
  uint64_t skip_ = 0;                   // payload bytes of a frame we do not read
};

}  // namespace h3edge
