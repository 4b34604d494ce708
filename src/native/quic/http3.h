// The HTTP/3 layer of one connection, on nghttp3: request decoding (http3_callbacks.cc),
// responses and their bodies (response.cc), and the glue to ngtcp2 streams (http3.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nghttp3/nghttp3.h>

#include "options.h"
#include "priority_update.h"
#include "stream.h"

namespace h3edge {

class Connection;

/** RFC 9114 §4.2 for a response field JavaScript hands over; `err` says what is wrong. */
bool valid_response_field(const std::string& name, const std::string& value, std::string* err);

/** A response as JavaScript hands it over. */
struct ResponseSpec {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_body = false;    // false: headers only, the stream ends with them
  bool streaming = false;   // true: body pieces follow through push()
  BodyChunk body;           // the whole body when !streaming
  int urgency = -1;         // server priority, -1 for none
  bool incremental = false;
  // The urgency applies even where the client signalled one (a player's CMCD buffer state
  // decided); otherwise it is only the default for requests the client said nothing about.
  bool over_client = false;
};

class Http3 {
 public:
  // Response bodies pushed from JavaScript: ask for more below the low mark, refuse above the
  // high one. Counted in bytes not yet taken into packets, so a stream the scheduler holds back
  // stops pulling from its source.
  static constexpr uint64_t kBodyHighWater = 512 * 1024;
  static constexpr uint64_t kBodyLowWater = 256 * 1024;

  explicit Http3(Connection& conn) : conn_(conn) {}
  Http3(const Http3&) = delete;
  Http3& operator=(const Http3&) = delete;
  ~Http3();

  /** Creates the nghttp3 server session and its control/QPACK streams once 1-RTT keys exist. */
  int setup();
  bool ready() const { return h3_ != nullptr; }
  nghttp3_conn* native() { return h3_; }

  // From ngtcp2 callbacks; return 0 or an ngtcp2 callback failure.
  int on_stream_data(int64_t stream_id, const uint8_t* data, size_t len, bool fin, bool early);
  int on_acked(int64_t stream_id, uint64_t len);
  int on_quic_stream_close(int64_t stream_id, uint64_t app_error_code);
  int on_stream_reset(int64_t stream_id);
  int on_stream_unblocked(int64_t stream_id);
  void set_max_client_streams(uint64_t max_streams);
  /** ngtcp2 took `len` bytes of `stream_id` into a packet. */
  /** ngtcp2 took `len` bytes of the stream into a packet; `fin` when that included the FIN. */
  int on_written(int64_t stream_id, size_t len, bool fin);

  RequestStream* find(int64_t stream_id);
  /** The connection is going away: every open stream ends now (StreamClose events). */
  void abort_all(uint64_t app_error_code, bool peer_closed_gracefully = false);
  void goaway(bool final);

  // JavaScript actions (response.cc). Return false when the stream is gone or not in a state
  // for it; `err` names a caller mistake (it becomes a TypeError).
  bool respond(int64_t stream_id, ResponseSpec&& spec, std::string* err);
  /** Returns whether more body is wanted right away; `eof` ends the body. */
  bool push(int64_t stream_id, BodyChunk&& chunk, bool eof, bool* alive);
  bool cancel(int64_t stream_id);
  /**
   * Resets (H3_INTERNAL_ERROR) every response whose unacknowledged body lies in a mapping the
   * guard reports poisoned: its bytes are zeros now, never to be completed. Returns how many.
   */
  size_t reset_poisoned(const MapGuard& guard);
  /** JavaScript read `n` body bytes of the stream: their flow-control credit goes back to the client. */
  void consume_body(int64_t stream_id, uint64_t n);
  /**
   * The response no longer needs the request body: STOP_SENDING (H3_NO_ERROR, RFC 9114 §4.1.2)
   * and the credit of what was received but not read goes back to the connection.
   */
  bool stop_reading(int64_t stream_id);
  /**
   * Answers `s` from the server's kept answers (kept_answers.h) when one fits; false leaves the
   * request to JavaScript. Called as the request head ends (`fin`: the request ended with it;
   * if not, the rest of the stream is refused with STOP_SENDING).
   */
  bool answer_kept(RequestStream* s, bool fin);

  // nghttp3 callbacks (http3_callbacks.cc), as members for access to the stream table.
  void begin_headers(int64_t stream_id);
  int recv_header(RequestStream* s, int32_t token, nghttp3_rcbuf* name, nghttp3_rcbuf* value);
  int end_headers(RequestStream* s, bool fin);
  /** False when the bytes are dropped (refused header section, reading stopped): credit them now. */
  bool recv_data(RequestStream* s, const uint8_t* data, size_t len);
  void end_stream(RequestStream* s);
  void stream_closed(int64_t stream_id, uint64_t app_error_code);
  void acked_body(RequestStream* s, uint64_t len);
  nghttp3_ssize read_body(RequestStream* s, nghttp3_vec* vec, size_t veccnt, uint32_t* pflags);
  void consume(int64_t stream_id, size_t n);
  Connection& connection() { return conn_; }

 private:
  void reject_oversized(RequestStream* s);
  void emit_pull_if_owed(RequestStream* s);
  /** Our priority for the response, unless the client signalled one (and `over_client` is false). */
  void apply_priority(RequestStream& s, int urgency, bool incremental, bool over_client);
  /** Client PRIORITY_UPDATEs nghttp3 dropped because we had set the stream's priority. */
  void apply_priority_updates(int64_t stream_id, const uint8_t* data, size_t len);
  /** A kept answer's stream is over: JavaScript hears of it (KeptClose). */
  void kept_closed(const RequestStream& s, uint64_t app_error_code, bool completed);
  /** Records the priority a response is sent at (access line, qlog). */
  void note_priority(RequestStream& s, const nghttp3_pri& pri, bool by_client);

  Connection& conn_;
  nghttp3_conn* h3_ = nullptr;
  std::unordered_map<int64_t, std::unique_ptr<RequestStream>> streams_;
  bool current_early_ = false;  // the stream data being fed arrived in 0-RTT
  PriorityUpdateReader priority_updates_;
};

}  // namespace h3edge
