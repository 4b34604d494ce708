// One HTTP/3 server: a UDP socket on the libuv loop, its connections, and the queue of events
// for JavaScript. Single-threaded: everything runs on the Node main thread.
//
// Flow: a readable socket is drained with recvmmsg and each datagram is routed by connection
// ID (accept.cc handles unknown IDs); afterwards pump() delivers queued events to JavaScript and
// lets every connection with something to send write into the shared TxQueue, which leaves by
// sendmmsg. One uv_timer serves all connections (ngtcp2 expiry, including pacing); a uv_idle
// handle continues a pump on the next loop turn when a connection had more to write or
// JavaScript called in from outside a pump.
#pragma once

#include <uv.h>

#include <array>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "events.h"
#include "options.h"
#include "careful_resume.h"
#include "kept_answers.h"
#include "saved_path.h"
#include "secrets.h"
#include "tls.h"
#include "udp_socket.h"

namespace h3edge {

class Connection;

/** Receives queued events at a safe point (no library callback on the stack). */
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void deliver(std::vector<Event>& events) = 0;
};

struct ConnStats;

struct ServerStats {
  uint64_t handshakes = 0;  // completed
  uint64_t early_data_accepted = 0;
  uint64_t early_data_rejected = 0;
  uint64_t early_data_replays = 0;  // rejected because the node had accepted the same ClientHello
  uint64_t resumed = 0;
  uint64_t retries_sent = 0;
  uint64_t stateless_resets_sent = 0;
  // Connection attempts (a client's first Initial) by the NEW_TOKEN token they carried: one that
  // proved the address, one that did not (expired, another address or key), or none.
  uint64_t tokens_valid = 0;
  uint64_t tokens_invalid = 0;
  uint64_t tokens_absent = 0;
  uint64_t header_sections_refused = 0;  // answered 431: decoded section over the limit
  uint64_t header_sections_reset = 0;    // reset with H3_EXCESSIVE_LOAD: raw section that kept growing
  // New connections refused (CONNECTION_REFUSED) because a cap was reached, by cap.
  uint64_t refused_connections = 0;
  uint64_t refused_connections_per_address = 0;
  uint64_t refused_handshakes = 0;
  uint64_t refused_handshakes_per_address = 0;
  uint64_t qlogs_written = 0;            // connections that got a qlog file
  uint64_t qlog_failures = 0;            // sampled connections whose qlog file could not be created
  // Careful Resume outcomes, indexed by CarefulResumeOutcome.
  std::array<uint64_t, kCarefulResumeOutcomes> careful_resume{};
};

/** Which cap refuses a new connection. */
enum class Refusal { None, Connections, ConnectionsPerAddress, Handshakes, HandshakesPerAddress };

class Server {
 public:
  Server(uv_loop_t* loop, ServerOptions opts, EventSink* sink);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  /** Binds and starts polling. Returns false with an errno-style message. */
  bool listen(std::string* err);
  const Addr& local_address() const { return socket_.local(); }
  size_t connection_count() const { return conns_.size(); }
  ServerStats& stats() { return stats_; }
  /** Now as an HTTP `Date` value (RFC 9110 §5.6.7 IMF-fixdate), formatted once per second. */
  const std::string& http_date();
  /** Responses the engine repeats without JavaScript (kept_answers.h). */
  KeptAnswers& kept() { return kept_; }

  /** Connection by serial (the handle JavaScript holds), or nullptr once it is gone. */
  Connection* find(uint64_t serial);
  /** JavaScript changed something on this connection: write soon. */
  void touch(Connection* conn);
  /** HTTP/3 GOAWAY on every connection; `final` sends the last stream ID (RFC 9114 §5.2). */
  void goaway(bool final);
  /**
   * Closes every connection (CONNECTION_CLOSE with H3_NO_ERROR), delivers the last events and
   * releases the socket; `done` runs once libuv has let go of the handles.
   */
  void close(std::function<void()> done);

  // Used by connections.
  const ServerOptions& options() const { return opts_; }
  TlsContext& tls() { return tls_; }
  const Secrets& secrets() const { return secrets_; }
  const SavedPathSeal& saved_paths() const { return saved_paths_; }
  UdpSocket& socket() { return socket_; }
  void emit(Event ev) { events_.push_back(std::move(ev)); }
  void mark_dirty(Connection* conn);
  void arm(Connection* conn, ngtcp2_tstamp when);
  void associate(const ngtcp2_cid& cid, Connection* conn);
  void dissociate(const ngtcp2_cid& cid);
  bool shutting_down() const { return goaway_sent_; }
  /** A connection's handshake completed: it stops counting against the handshake caps. */
  void handshake_completed(Connection* conn);
  /** Handshakes in progress now. */
  uint64_t handshaking() const { return handshaking_; }

 private:
  friend class Acceptor;

  static void on_poll(uv_poll_t* handle, int status, int events);
  static void on_timer(uv_timer_t* handle);
  static void on_idle(uv_idle_t* handle);
  static void on_handle_closed(uv_handle_t* handle);

  void read_socket();
  void route(const RecvPacket& p);
  void pump();
  void schedule_pump();
  void write_dirty();
  void reap();
  void remove(Connection* conn);
  /** Whether a new connection from `remote` fits the caps (counts the refusal if not). */
  Refusal admit(const Addr& remote);
  /** Counts an admitted connection against the caps; remove() and handshake_completed() uncount it. */
  void count_in(Connection* conn);
  void rearm_timer();
  void update_poll();
  void do_close();

  uv_loop_t* loop_;
  ServerOptions opts_;
  EventSink* sink_;
  UdpSocket socket_;
  TlsContext tls_;
  Secrets secrets_;
  SavedPathSeal saved_paths_;
  ServerStats stats_;
  time_t date_second_ = 0;
  std::string date_value_;
  KeptAnswers kept_;

  uint64_t next_serial_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::unordered_map<std::string, Connection*> by_cid_;
  std::set<std::pair<ngtcp2_tstamp, uint64_t>> timers_;
  std::unordered_set<uint64_t> dirty_;
  std::unordered_set<uint64_t> waiting_writable_;
  std::unordered_set<uint64_t> deferred_;  // had more to write: continue after the next poll
  std::vector<Event> events_;

  uv_poll_t poll_{};
  uv_timer_t timer_{};
  uv_idle_t idle_{};
  bool polling_writable_ = false;
  bool in_pump_ = false;
  bool idle_active_ = false;
  bool goaway_sent_ = false;
  bool closing_ = false;
  bool close_requested_ = false;
  ngtcp2_tstamp armed_deadline_ = 0;
  int open_handles_ = 0;
  std::function<void()> on_closed_;
  // What the caps count, by client address (IP, no port); an entry lives while it has connections.
  struct AddressCount {
    uint64_t connections = 0;
    uint64_t handshakes = 0;
  };
  std::unordered_map<std::string, AddressCount> per_address_;
  uint64_t handshaking_ = 0;
  // Stateless resets are answers to packets anyone can forge: bounded per second.
  uint64_t reset_window_start_ = 0;
  uint32_t resets_in_window_ = 0;
};

/** The part of the server that deals with datagrams for unknown connection IDs (accept.cc). */
class Acceptor {
 public:
  explicit Acceptor(Server& server) : server_(server) {}
  void handle(const RecvPacket& p);

 private:
  bool needs_retry() const;
  void send_retry(const RecvPacket& p, const ngtcp2_pkt_hd& hd);
  void send_version_negotiation(const RecvPacket& p, const ngtcp2_version_cid& vc);
  void send_stateless_reset(const RecvPacket& p, const uint8_t* dcid, size_t dcidlen);
  /** CONNECTION_CLOSE in an Initial, no state kept (RFC 9000 §8.1.3 bad token, §10.2.3 refusal). */
  void send_close(const RecvPacket& p, const ngtcp2_pkt_hd& hd, uint64_t error_code);
  void send_raw(const RecvPacket& p, const uint8_t* data, size_t len);
  // `tokenlen`: the bytes of the token that are a Retry or regular token (a saved path may follow).
  void create(const RecvPacket& p, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* ocid, bool validated, size_t tokenlen);

  Server& server_;
};

std::string cid_key(const uint8_t* data, size_t len);

}  // namespace h3edge
