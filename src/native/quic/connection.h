// One QUIC connection: ngtcp2 state, its TLS session, its HTTP/3 layer, and the closing and
// draining periods (RFC 9000 §10.2). Owned by the Server; never deleted while a library
// callback is on the stack (the server reaps dead connections at the end of a pump).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "addr.h"
#include "careful_resume.h"
#include "http3.h"
#include "qlog.h"
#include "tls.h"
#include "udp_socket.h"

namespace h3edge {

class Server;

struct ConnStats {
  double rtt_ms = 0;
  uint64_t cwnd_bytes = 0;
  uint64_t lost_packets = 0;
  uint64_t sent_bytes = 0;
  uint64_t recv_bytes = 0;
  uint64_t max_udp_payload_bytes = 0;  // what PMTU discovery allows on the current path
  // Packets with stream data sent after the handshake completed and before the first
  // acknowledgement of response data: the first flight, which the initial window bounds.
  uint64_t first_flight_packets = 0;
  // The congestion controller's estimate of the path's bandwidth (BBR's model; else the latest
  // delivery rate sample), bytes per second; 0 before the first sample. Through our ngtcp2 patch.
  uint64_t bandwidth_bytes_per_sec = 0;
  // The connection's last Careful Resume outcome (None: nothing to resume from, or switched off).
  CarefulResumeOutcome careful_resume = CarefulResumeOutcome::None;
};

/**
 * The transport parameters and HTTP/3 settings a client may remember for 0-RTT (RFC 9000
 * §7.4.1, RFC 9114 §7.2.4.2), encoded; they are bound into the session-ticket key.
 */
std::vector<uint8_t> zero_rtt_binding(const ServerOptions& opts);

class Connection {
 public:
  enum class State { Open, Closing, Draining, Dead };
  enum class ReadResult { Ok, Retry, Gone };
  enum class WriteResult { Idle, More, Blocked };

  Connection(Server& server, uint64_t serial);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /**
   * Sets up ngtcp2 and TLS for the client's first Initial. `ocid` is set after a Retry;
   * `token` is passed only when it proved the address (it lifts the 3x amplification limit).
   */
  bool init(const RecvPacket& p, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* ocid, const uint8_t* token, size_t tokenlen);
  ReadResult read(const RecvPacket& p);
  void on_timer(ngtcp2_tstamp now);
  /** Writes packets while congestion control, pacing and the socket allow. */
  WriteResult write();
  /** Server shutdown: CONNECTION_CLOSE with H3_NO_ERROR now. */
  void close_gracefully();

  uint64_t serial() const { return serial_; }
  State state() const { return state_; }
  bool handshake_done() const { return handshake_done_; }
  Server& server() { return server_; }
  ngtcp2_conn* quic() { return conn_; }
  Http3& h3() { return h3_; }
  const TlsSession& tls() const { return tls_; }
  const Addr& remote() const { return remote_; }
  std::string id() const;
  ConnStats stats() const;
  ngtcp2_tstamp timer_key() const { return timer_key_; }
  /** Set by Server::count_in: this connection counts against the caps until it is removed. */
  bool counted = false;
  /** Set once JavaScript was told this connection's id and address (with its first request). */
  bool announced = false;
  void set_timer_key(ngtcp2_tstamp t) { timer_key_ = t; }
  bool dirty = false;

  // Called from the ngtcp2 callbacks (connection_callbacks.cc).
  int on_handshake_completed();
  int on_recv_stream_data(uint32_t flags, int64_t stream_id, const uint8_t* data, size_t len);
  /**
   * Records an nghttp3 error as the connection's close reason. Only records: the close itself
   * happens once ngtcp2 has returned (never from inside one of its callbacks).
   */
  void record_app_error(int nghttp3_error);
  void note_lost_packets(uint64_t n) { lost_packets_ += n; }
  /** An HTTP/3 event of ours into the connection's qlog, if it has one (`data_json`: see QlogFile::event). */
  void qlog_event(const char* name, const std::string& data_json);
  /** Whether this connection writes a qlog (build an event's data only then). */
  bool qlogging() const { return qlog_.is_open(); }
  /**
   * The token of the client's Initial carried a sealed saved path after its regular token
   * (`address_validated`: that regular token proved the address). Judges it, counts the
   * outcome when it cannot be used, and starts Careful Resume's Reconnaissance when it can.
   */
  void offer_saved_path(const uint8_t* sealed, size_t len, bool address_validated);
  /** The peer acknowledged response data: the first flight after the handshake is over. */
  void end_first_flight() { first_flight_open_ = false; }
  static const ngtcp2_callbacks& callbacks();

 private:
  static ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref);
  static void write_qlog(void* user_data, uint32_t flags, const void* data, size_t len);
  /** Opens this connection's qlog file when qlogs are on and it is sampled; false: none. */
  bool open_qlog();
  void handle_error();
  void start_closing();
  void start_draining();
  void enter_dead();
  void update_timer();
  void send_close_packet();
  WriteResult write_pending();
  void submit_new_token();
  WriteResult write_burst(ngtcp2_tstamp ts, size_t max_packets, size_t* written);
  /** Whether the stream's next bytes stay out of the window's last packets (kept for urgent responses). */
  bool keeps_headroom_from(int64_t stream_id, size_t packet);
  /** After reads and writes: Careful Resume's phases, and a new saved path when the window changed. */
  void careful_resume_tick();
  void save_path_if_changed();
  /** The window a saved path records: the congestion window, or twice BBR's BDP estimate. */
  uint64_t path_window(const ngtcp2_conn_info& ci) const;
  void note_careful_resume(CarefulResumeOutcome outcome);

  Server& server_;
  const uint64_t serial_;
  ngtcp2_conn* conn_ = nullptr;
  TlsLink link_{};
  TlsSession tls_;
  Http3 h3_;
  Addr local_;
  Addr remote_;
  ngtcp2_cid scid_{};
  State state_ = State::Open;
  bool handshake_done_ = false;
  bool early_data_counted_ = false;  // this connection's 0-RTT offer is in the stats
  // The handshake completed and the NEW_TOKEN frame waits for the packet with the session ticket
  // to be written first (see write()).
  bool new_token_due_ = false;
  ngtcp2_ccerr last_error_{};
  std::vector<uint8_t> close_packet_;
  ngtcp2_tstamp close_deadline_ = 0;
  uint32_t close_replies_ = 0;
  ngtcp2_tstamp timer_key_ = 0;
  uint64_t lost_packets_ = 0;
  uint64_t sent_bytes_ = 0;
  uint64_t first_flight_packets_ = 0;
  bool first_flight_open_ = true;
  uint64_t recv_bytes_ = 0;
  ngtcp2_tstamp initial_ts_ = 0;
  // Careful Resume (freed with the connection): its phases, whether a saved path came with the
  // Initial, the last outcome, and what this connection saved for the next (window, when, how often).
  CarefulResume careful_resume_;
  bool saved_path_offered_ = false;
  CarefulResumeOutcome careful_resume_outcome_ = CarefulResumeOutcome::None;
  uint64_t saved_cwnd_ = 0;
  ngtcp2_tstamp saved_at_ = 0;
  uint32_t saved_paths_sent_ = 0;
  // Declared last: ngtcp2_conn_del (in ~Connection) writes the qlog's end into it.
  QlogFile qlog_;
};

}  // namespace h3edge
