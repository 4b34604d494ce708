#include "connection.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "secrets.h"
#include "server.h"

namespace h3edge {

namespace {
// Flow-control windows we grant. Requests are small; uploads get 256 KiB per stream.
constexpr uint64_t kStreamWindow = 256 * 1024;
constexpr uint64_t kConnectionWindow = 1024 * 1024;
constexpr uint64_t kMaxWindow = 6 * 1024 * 1024;
// One write() call sends at most this many bursts (a burst is ngtcp2's send quantum: what it
// lets leave at once at its pacing rate) before the loop gets a turn to read acknowledgements.
constexpr int kMaxBursts = 16;
// A burst is at most this many packets (one sendmmsg/GSO batch of the TxQueue).
constexpr size_t kMaxBurstPackets = 64;
constexpr size_t kClosePacketBytes = 1500;
// Headroom for urgent responses: while the congestion window has fewer than kHeadroomPackets
// left, a response of urgency kHeadroomUrgency or beyond (first segments, API answers, segments,
// artwork, prefetch) takes no more of it, so a manifest or init segment asked for meanwhile
// leaves at once instead of after the next acknowledgements (in startup they come once per round
// trip, in a clump). Only once the window has grown past the initial one (the first flight stays
// whole: the startup requests come together) and past kHeadroomMinWindowPackets, so bulk always moves.
constexpr uint64_t kHeadroomPackets = 2;
constexpr uint64_t kHeadroomMinWindowPackets = 16;
constexpr int kHeadroomUrgency = 2;
// PMTU probes (RFC 8899 datagram payload sizes), tried in this order after the handshake:
// ngtcp2's own four for Internet paths up to a 1500-byte Ethernet MTU, then a 9000-byte jumbo
// frame for links that carry one (a data centre, loopback): ~6x fewer packets to encrypt, send
// and acknowledge. Only toward a peer on the same site (Addr::is_site_local): an Internet path
// never carries one, and on a host whose interface does (a cloud VPC's 9001 bytes) every Internet
// connection would lose three such probes. A probe larger than the interface's MTU fails at
// sendmmsg (EMSGSIZE, the socket sets DF) and is never on the wire; one lost in the network costs
// three tries. Never beyond the peer's max_udp_payload_size. Not 16 KiB: on loopback those
// overflowed a receiver's default socket buffer (212 KB, a dozen of them) and one connection lost
// ~6x more packets and went 0.6x as fast as with 9000-byte ones.
constexpr uint16_t kPmtudProbes[] = {1454 - 48, 1390 - 48, 1280 - 48, 1492 - 48, 9000 - 48};
constexpr size_t kMaxSiteDatagram = 9000 - 48;
constexpr size_t kMaxInternetDatagram = 1500 - 48;  // ngtcp2's default: the jumbo probe is skipped

ngtcp2_path path_of(Addr& local, Addr& remote) {
  return ngtcp2_path{local.as_ngtcp2(), remote.as_ngtcp2(), nullptr};
}
}  // namespace

std::vector<uint8_t> zero_rtt_binding(const ServerOptions& opts) {
  const uint64_t values[] = {kStreamWindow, kConnectionWindow, opts.max_streams_bidi, 3, UdpSocket::kMaxDatagram,
                             7, opts.max_header_bytes, opts.early_data ? 1u : 0u};
  std::vector<uint8_t> out;
  for (uint64_t v : values) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
  }
  return out;
}

Connection::Connection(Server& server, uint64_t serial) : server_(server), serial_(serial), h3_(*this) {
  ngtcp2_ccerr_default(&last_error_);
}

Connection::~Connection() {
  h3_.abort_all(NGHTTP3_H3_NO_ERROR);
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
}

ngtcp2_conn* Connection::get_conn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<Connection*>(ref->user_data)->conn_;
}

void Connection::write_qlog(void* user_data, uint32_t flags, const void* data, size_t len) {
  static_cast<Connection*>(user_data)->qlog_.write(flags, data, len);
}

bool Connection::open_qlog() {
  const ServerOptions& opts = server_.options();
  if (opts.qlog_dir.empty() || !qlog_sampled(opts.qlog_sample_ratio)) return false;
  std::string err;
  if (!qlog_.open(opts.qlog_dir, id(), &err)) {
    ++server_.stats().qlog_failures;
    return false;
  }
  ++server_.stats().qlogs_written;
  return true;
}

void Connection::qlog_event(const char* name, const std::string& data_json) {
  qlog_.event(initial_ts_, now_ns(), name, data_json);
}

std::string Connection::id() const {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < scid_.datalen; ++i) {
    out += kHex[scid_.data[i] >> 4];
    out += kHex[scid_.data[i] & 0xf];
  }
  return out;
}

bool Connection::init(const RecvPacket& p, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* ocid,
                      const uint8_t* token, size_t tokenlen) {
  const ServerOptions& opts = server_.options();
  link_.conn_ref.get_conn = get_conn;
  link_.conn_ref.user_data = this;
  local_ = p.local;
  remote_ = p.remote;
  scid_.datalen = kScidLen;
  if (!random_bytes(scid_.data, scid_.datalen)) return false;

  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  initial_ts_ = now_ns();
  settings.initial_ts = initial_ts_;
  if (open_qlog()) settings.qlog_write = write_qlog;
  settings.token = token;
  settings.tokenlen = tokenlen;
  settings.token_type = NGTCP2_TOKEN_TYPE_NEW_TOKEN;
  settings.cc_algo = opts.cc_algo;
  // Our patch to ngtcp2 (scripts/quic-libs); 0 keeps RFC 9002's 10 packets. A player's startup
  // (~800 KB) needs about one round trip less from 32 (README, bench/lossy/initial-window.ts).
  settings.initial_cwnd_packets = opts.initial_window_packets;
  // RFC 9000 §14.3 / RFC 8899: after the handshake, probe for datagrams larger than 1200 bytes
  // (kPmtudProbes); the socket sets DF (udp_socket.cc) and leaves packet sizes to QUIC.
  settings.no_pmtud = 0;
  settings.max_tx_udp_payload_size = remote_.is_site_local() ? kMaxSiteDatagram : kMaxInternetDatagram;
  settings.pmtud_probes = kPmtudProbes;
  settings.pmtud_probeslen = sizeof(kPmtudProbes) / sizeof(kPmtudProbes[0]);
  // Until the first RTT sample: 100 ms as Chromium and quic-go assume, not RFC 9002's 333 ms, so
  // a lost packet of the server's first flight is resent after ~300 ms rather than a second.
  settings.initial_rtt = 100 * NGTCP2_MILLISECONDS;
  settings.max_window = kMaxWindow;
  settings.max_stream_window = kMaxWindow;
  settings.handshake_timeout = opts.handshake_timeout_ms * NGTCP2_MILLISECONDS;

  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = kStreamWindow;
  params.initial_max_stream_data_bidi_remote = kStreamWindow;
  params.initial_max_stream_data_uni = kStreamWindow;
  params.initial_max_data = kConnectionWindow;
  params.initial_max_streams_bidi = opts.max_streams_bidi;
  // RFC 9114 §6.2: control plus the two QPACK streams.
  params.initial_max_streams_uni = 3;
  params.max_idle_timeout = opts.max_idle_timeout_ms * NGTCP2_MILLISECONDS;
  params.max_udp_payload_size = UdpSocket::kMaxDatagram;
  params.active_connection_id_limit = 7;
  params.stateless_reset_token_present = 1;
  if (!server_.secrets().reset_token(params.stateless_reset_token, scid_)) return false;
  params.original_dcid_present = 1;
  if (ocid != nullptr) {
    params.original_dcid = *ocid;
    params.retry_scid = hd.dcid;
    params.retry_scid_present = 1;
  } else {
    params.original_dcid = hd.dcid;
  }

  ngtcp2_path path = path_of(local_, remote_);
  if (ngtcp2_conn_server_new(&conn_, &hd.scid, &scid_, &path, hd.version, &callbacks(), &settings, &params, nullptr,
                             this) != 0) {
    conn_ = nullptr;
    return false;
  }
  std::string err;
  if (!tls_.init(server_.tls(), &link_, &err)) return false;
  ngtcp2_conn_set_tls_native_handle(conn_, tls_.native());
  return true;
}

Connection::ReadResult Connection::read(const RecvPacket& p) {
  if (state_ == State::Closing) {
    // RFC 9000 §10.2.1: answer with the same CONNECTION_CLOSE, but ever more rarely.
    ++close_replies_;
    if ((close_replies_ & (close_replies_ - 1)) == 0) send_close_packet();
    return ReadResult::Ok;
  }
  if (state_ != State::Open) return ReadResult::Ok;
  recv_bytes_ += p.len;
  Addr local = p.local;
  Addr remote = p.remote;
  ngtcp2_path path = path_of(local, remote);
  ngtcp2_pkt_info pi{};
  pi.ecn = p.ecn;
  const int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, p.data, p.len, now_ns());
  // The ClientHello in this packet offered early data the node has accepted before: a replay.
  if (server_.tls().replay_store().take_replay()) {
    ++server_.stats().early_data_replays;
    server_.emit(Event{EventKind::Replay, serial_, -1, 0, false, {}});
  } else if (link_.early_data_offered && !early_data_counted_) {
    // Counted once the ClientHello is read, not at the end of the handshake: what matters is
    // whether early data was let in, and a replayer never finishes the handshake.
    early_data_counted_ = true;
    ++(tls_.early_data_accepted() ? server_.stats().early_data_accepted : server_.stats().early_data_rejected);
  }
  if (rv != 0) {
    switch (rv) {
      case NGTCP2_ERR_DRAINING:
        start_draining();
        return ReadResult::Ok;
      case NGTCP2_ERR_RETRY:
        enter_dead();
        return ReadResult::Retry;
      case NGTCP2_ERR_DROP_CONN:
        enter_dead();
        return ReadResult::Gone;
      case NGTCP2_ERR_CRYPTO:
        if (last_error_.error_code == 0) {
          ngtcp2_ccerr_set_tls_alert(&last_error_, ngtcp2_conn_get_tls_alert(conn_),
                                                                      nullptr, 0);
        }
        break;
      default:
        if (last_error_.error_code == 0) {
          ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
        }
    }
    handle_error();
    return state_ == State::Dead ? ReadResult::Gone : ReadResult::Ok;
  }
  careful_resume_tick();
  server_.mark_dirty(this);
  update_timer();
  return ReadResult::Ok;
}

void Connection::on_timer(ngtcp2_tstamp now) {
  if (state_ == State::Closing || state_ == State::Draining) {
    if (now >= close_deadline_) {
      enter_dead();
    } else {
      update_timer();
    }
    return;
  }
  if (state_ != State::Open) return;
  if (const int rv = ngtcp2_conn_handle_expiry(conn_, now); rv != 0) {
    // RFC 9000 §10.1: an idle timeout closes silently; an abandoned handshake needs no goodbye.
    if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
      enter_dead();
      return;
    }
    ngtcp2_ccerr_set_liberr(&last_error_, rv, nullptr, 0);
    handle_error();
    return;
  }
  server_.mark_dirty(this);
  update_timer();
}

Connection::WriteResult Connection::write() {
  WriteResult r = write_pending();
  // ngtcp2 puts NEW_TOKEN before CRYPTO in a packet, so submitted together the token would reach
  // the client ahead of the session ticket; Chromium (quiche's session cache) keeps a token only
  // for a server it holds a ticket of and drops it otherwise. So the token follows the ticket.
  if (new_token_due_ && state_ == State::Open && r != WriteResult::Blocked) {
    new_token_due_ = false;
    submit_new_token();
    if (r == WriteResult::Idle) r = write_pending();
  }
  return r;
}

Connection::WriteResult Connection::write_pending() {
  if (state_ != State::Open) return WriteResult::Idle;
  // A file truncated under a mapping a response is read from: reset it before a byte more leaves.
  const MapGuard* guard = server_.options().map_guard;
  if (guard != nullptr && guard->poisoned_live() > 0) h3_.reset_poisoned(*guard);
  ngtcp2_tstamp ts = now_ns();
  for (int burst = 0; burst < kMaxBursts; ++burst) {
    size_t written = 0;
    const size_t packet = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
    const size_t burst_packets = std::clamp<size_t>(ngtcp2_conn_get_send_quantum(conn_) / packet, 1, kMaxBurstPackets);
    const WriteResult r = write_burst(ts, burst_packets, &written);
    if (state_ != State::Open) return WriteResult::Idle;
    // RFC 9002 §7.7: ngtcp2 spaces the next burst by the time this one takes at its pacing rate.
    ngtcp2_conn_update_pkt_tx_time(conn_, ts);
    if (r != WriteResult::More) {
      careful_resume_tick();
      update_timer();
      return r;
    }
    ts = now_ns();
  }
  careful_resume_tick();
  update_timer();
  return WriteResult::More;
}

Connection::WriteResult Connection::write_burst(ngtcp2_tstamp ts, size_t max_packets, size_t* written) {
  std::array<nghttp3_vec, 16> vec;
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  TxQueue& tx = server_.socket().tx();
  const size_t max_udp = ngtcp2_conn_get_max_tx_udp_payload_size(conn_);
  const size_t path_max = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
  nghttp3_conn* h3 = h3_.native();
  const MapGuard* guard = server_.options().map_guard;
  bool drop_packet = false;  // a body read for the packet being built hit a truncated file
  for (;;) {
    if (*written >= max_packets) return WriteResult::More;
    uint8_t* buf = tx.reserve(max_udp);
    if (buf == nullptr) {
      if (server_.socket().flush() == TxQueue::Flush::Blocked) return WriteResult::Blocked;
      buf = tx.reserve(max_udp);
      if (buf == nullptr) return WriteResult::Blocked;
    }
    int64_t stream_id = -1;
    int fin = 0;
    nghttp3_ssize veccnt = 0;
    if (h3 != nullptr && ngtcp2_conn_get_max_data_left(conn_) != 0) {
      veccnt = nghttp3_conn_writev_stream(h3, &stream_id, &fin, vec.data(), vec.size());
      if (veccnt < 0) {
        record_app_error(static_cast<int>(veccnt));
        handle_error();
        return WriteResult::Idle;
      }
    }
    if (veccnt > 0 && stream_id >= 0 && keeps_headroom_from(stream_id, path_max)) {
      stream_id = -1;
      veccnt = 0;
      fin = 0;
    }
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    if (fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    size_t vec_bytes = 0;
    for (nghttp3_ssize i = 0; i < veccnt; ++i) vec_bytes += vec[static_cast<size_t>(i)].len;
    ngtcp2_ssize datalen = -1;
    const uint64_t poisonings = guard != nullptr ? guard->epoch() : 0;
    const ngtcp2_ssize n =
        ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, buf, max_udp, &datalen, flags, stream_id,
                                  reinterpret_cast<const ngtcp2_vec*>(vec.data()), static_cast<size_t>(veccnt), ts);
    // A read of body bytes in this call faulted on a truncated file and got zeros: the packet
    // being built never leaves (ngtcp2 will count it lost) and the responses from it are reset.
    if (guard != nullptr && guard->epoch() != poisonings) {
      h3_.reset_poisoned(*guard);
      drop_packet = true;
    }
    if (n < 0) {
      switch (n) {
        case NGTCP2_ERR_STREAM_DATA_BLOCKED:
          nghttp3_conn_block_stream(h3, stream_id);
          continue;
        case NGTCP2_ERR_STREAM_SHUT_WR:
          nghttp3_conn_shutdown_stream_write(h3, stream_id);
          continue;
        case NGTCP2_ERR_WRITE_MORE:
          if (h3_.on_written(stream_id, static_cast<size_t>(datalen), fin && static_cast<size_t>(datalen) == vec_bytes) != 0) {
            handle_error();
            return WriteResult::Idle;
          }
          continue;
        default:
          ngtcp2_ccerr_set_liberr(&last_error_, static_cast<int>(n), nullptr, 0);
          handle_error();
          return WriteResult::Idle;
      }
    }
    if (datalen >= 0 && h3_.on_written(stream_id, static_cast<size_t>(datalen), fin && static_cast<size_t>(datalen) == vec_bytes) != 0) {
      handle_error();
      return WriteResult::Idle;
    }
    if (n == 0) return WriteResult::Idle;  // congestion window, pacing or nothing to send
    if (drop_packet) {
      drop_packet = false;
      continue;
    }
    tx.commit(ps.path, static_cast<uint8_t>(pi.ecn), static_cast<size_t>(n), static_cast<size_t>(n) > path_max);
    sent_bytes_ += static_cast<uint64_t>(n);
    // PMTU probes and ACK-only packets carry no stream data and are not part of the count.
    if (datalen > 0 && handshake_done_ && first_flight_open_) ++first_flight_packets_;
    ++*written;
  }
}

bool Connection::keeps_headroom_from(int64_t stream_id, size_t packet) {
  const uint64_t left = ngtcp2_conn_get_cwnd_left(conn_);
  if (left >= kHeadroomPackets * packet) return false;
  ngtcp2_conn_info ci;
  ngtcp2_conn_get_conn_info(conn_, &ci);
  const uint64_t initial = server_.options().initial_window_packets;
  if (ci.cwnd <= std::max(kHeadroomMinWindowPackets, initial) * packet) return false;  // 0: RFC 9002's 10
  const RequestStream* s = h3_.find(stream_id);
  // Control and QPACK streams are not in the table: they always go.
  if (s == nullptr) return false;
  const int urgency = s->urgency < 0 ? NGHTTP3_DEFAULT_URGENCY : s->urgency;
  return urgency >= kHeadroomUrgency;
}

void Connection::close_gracefully() {
  if (state_ != State::Open) return;
  ngtcp2_ccerr_set_application_error(&last_error_, NGHTTP3_H3_NO_ERROR, nullptr, 0);
  start_closing();
}

void Connection::record_app_error(int nghttp3_error) {
  if (last_error_.error_code != 0) return;
  ngtcp2_ccerr_set_application_error(
      &last_error_, nghttp3_err_infer_quic_app_error_code(nghttp3_error), nullptr, 0);
}

void Connection::handle_error() {
  if (state_ != State::Open) return;
  if (last_error_.type == NGTCP2_CCERR_TYPE_IDLE_CLOSE) {
    enter_dead();
    return;
  }
  start_closing();
}

void Connection::start_closing() {
  if (state_ != State::Open) return;
  if (ngtcp2_conn_in_draining_period(conn_)) {
    start_draining();
    return;
  }
  h3_.abort_all(last_error_.error_code);
  close_packet_.resize(kClosePacketBytes);
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  const ngtcp2_ssize n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, close_packet_.data(),
                                                            close_packet_.size(), &last_error_, now_ns());
  if (n <= 0) {
    enter_dead();
    return;
  }
  close_packet_.resize(static_cast<size_t>(n));
  state_ = State::Closing;
  send_close_packet();
  // RFC 9000 §10.2: the closing period lasts three PTOs.
  close_deadline_ = now_ns() + 3 * ngtcp2_conn_get_pto(conn_);
  server_.mark_dirty(this);
  update_timer();
}

void Connection::start_draining() {
  if (state_ != State::Open && state_ != State::Closing) return;
  const ngtcp2_ccerr& peer = *ngtcp2_conn_get_ccerr(conn_);
  const bool graceful = peer.error_code == (peer.type == NGTCP2_CCERR_TYPE_APPLICATION
                                                ? NGHTTP3_H3_NO_ERROR
                                                : NGTCP2_NO_ERROR);
  h3_.abort_all(NGHTTP3_H3_NO_ERROR, graceful);
  state_ = State::Draining;
  close_deadline_ = now_ns() + 3 * ngtcp2_conn_get_pto(conn_);
  server_.mark_dirty(this);
  update_timer();
}

void Connection::enter_dead() {
  if (state_ == State::Dead) return;
  h3_.abort_all(last_error_.error_code);
  state_ = State::Dead;
  server_.mark_dirty(this);
}

void Connection::send_close_packet() {
  if (close_packet_.empty()) return;
  TxQueue& tx = server_.socket().tx();
  uint8_t* buf = tx.reserve(close_packet_.size());
  if (buf == nullptr) {
    if (server_.socket().flush() == TxQueue::Flush::Blocked) return;
    buf = tx.reserve(close_packet_.size());
    if (buf == nullptr) return;
  }
  std::memcpy(buf, close_packet_.data(), close_packet_.size());
  ngtcp2_path path = *ngtcp2_conn_get_path(conn_);
  tx.commit(path, 0, close_packet_.size(), true);
  sent_bytes_ += close_packet_.size();
  server_.mark_dirty(this);
}

void Connection::update_timer() {
  if (state_ == State::Dead) return;
  server_.arm(this, state_ == State::Open ? ngtcp2_conn_get_expiry(conn_) : close_deadline_);
}

ConnStats Connection::stats() const {
  ConnStats out;
  out.sent_bytes = sent_bytes_;
  out.recv_bytes = recv_bytes_;
  out.lost_packets = lost_packets_;
  out.first_flight_packets = first_flight_packets_;
  out.careful_resume = careful_resume_outcome_;
  if (conn_ != nullptr) {
    ngtcp2_conn_info ci;
    ngtcp2_conn_get_conn_info(conn_, &ci);
    out.rtt_ms = static_cast<double>(ci.smoothed_rtt) / NGTCP2_MILLISECONDS;
    out.cwnd_bytes = ci.cwnd;
    out.max_udp_payload_bytes = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
    out.bandwidth_bytes_per_sec = ngtcp2_conn_get_bandwidth_estimate(conn_);
  }
  return out;
}

void Connection::offer_saved_path(const uint8_t* sealed, size_t len, bool address_validated) {
  if (!server_.options().careful_resume) return;
  saved_path_offered_ = true;
  SavedPath saved;
  const SavedPathCheck check =
      address_validated ? server_.saved_paths().open(sealed, len, remote_.sa(), wall_ns() / NGTCP2_MILLISECONDS, &saved)
                        : SavedPathCheck::Invalid;  // its regular token did not prove this address
  switch (check) {
    case SavedPathCheck::Ok:
      careful_resume_.offer(saved);
      break;
    case SavedPathCheck::Expired:
      note_careful_resume(CarefulResumeOutcome::Expired);
      break;
    case SavedPathCheck::Invalid:
      note_careful_resume(CarefulResumeOutcome::Invalid);
      break;
  }
}

void Connection::note_careful_resume(CarefulResumeOutcome outcome) {
  careful_resume_outcome_ = outcome;
  ++server_.stats().careful_resume[static_cast<size_t>(outcome)];
  server_.emit(Event{EventKind::CarefulResume, serial_, -1, static_cast<uint64_t>(outcome), false, {}});
}

void Connection::careful_resume_tick() {
  if (!server_.options().careful_resume || state_ != State::Open) return;
  if (const CarefulResumeOutcome o = careful_resume_.update(conn_); o != CarefulResumeOutcome::None) note_careful_resume(o);
  save_path_if_changed();
}

namespace {
// A connection sends a new saved path when its window grew by a quarter or halved since the last
// one it sent (the first one once the window is twice the initial), at most once per smoothed RTT
// and this many times (from 2x a 32-packet window, 1.25^24 reaches ~16 MB): a client keeps the
// latest token (RFC 9000 §8.1.3). Small steps, because the window keeps growing with the last
// acknowledgements of a transfer, when a token sent then may no longer reach the client.
constexpr uint32_t kMaxSavedPaths = 24;
}  // namespace

uint64_t Connection::path_window(const ngtcp2_conn_info& ci) const {
  // RFC 9959 §4.1: the saved window should measure the path's capacity. BBR's window swings
  // (startup, drain, and growth from the last acknowledgements when nothing is left to send);
  // its bandwidth model does not: twice the estimated bandwidth-delay product is the window BBR
  // itself keeps (cwnd_gain 2). Other controllers: their window.
  const uint64_t bw = ngtcp2_conn_get_bandwidth_estimate(conn_);
  if ((server_.options().cc_algo == NGTCP2_CC_ALGO_BBR) && bw > 0) {
    return static_cast<uint64_t>(2.0 * static_cast<double>(bw) * static_cast<double>(ci.min_rtt) / NGTCP2_SECONDS);
  }
  return ci.cwnd;
}

void Connection::save_path_if_changed() {
  if (!handshake_done_ || saved_paths_sent_ >= kMaxSavedPaths || !careful_resume_.settled()) return;
  ngtcp2_conn_info ci;
  ngtcp2_conn_get_conn_info(conn_, &ci);
  if (ci.min_rtt == UINT64_MAX || ci.min_rtt == 0) return;
  const ngtcp2_tstamp now = now_ns();
  const uint64_t window = path_window(ci);
  if (saved_cwnd_ == 0) {
    // The window the connection started from is the baseline; a saved path is worth sending
    // only once the path's window has grown past twice that.
    saved_cwnd_ = ci.cwnd;
    saved_at_ = now;
    return;
  }
  const bool changed = saved_paths_sent_ == 0 ? window >= 2 * saved_cwnd_ : (4 * window >= 5 * saved_cwnd_ || 2 * window <= saved_cwnd_);
  if (!changed || now - saved_at_ < ci.smoothed_rtt) return;
  const ngtcp2_path* path = ngtcp2_conn_get_path(conn_);
  std::vector<uint8_t> token(NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN);
  const ngtcp2_ssize len = server_.secrets().regular_token(token.data(), path->remote.addr, path->remote.addrlen);
  if (len != static_cast<ngtcp2_ssize>(NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN)) return;
  const SavedPath saved{window, ci.min_rtt, wall_ns() / NGTCP2_MILLISECONDS};
  if (!server_.saved_paths().seal(saved, path->remote.addr, &token)) return;
  if (ngtcp2_conn_submit_new_token(conn_, token.data(), token.size()) != 0) return;
  saved_cwnd_ = window;
  saved_at_ = now;
  ++saved_paths_sent_;
}

}  // namespace h3edge
