#include "server.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <gnutls/gnutls.h>

#include "connection.h"

namespace h3edge {

namespace {
// One readable event drains at most this many recvmmsg batches before writing.
constexpr int kReadRounds = 8;
constexpr int kPumpRounds = 8;
}  // namespace

std::string cid_key(const uint8_t* data, size_t len) { return std::string(reinterpret_cast<const char*>(data), len); }

Server::Server(uv_loop_t* loop, ServerOptions opts, EventSink* sink)
    : loop_(loop), opts_(std::move(opts)), sink_(sink) {}

Server::~Server() {
  // Connections emit their last events into events_ while being destroyed.
  conns_.clear();
  by_cid_.clear();
}

bool Server::listen(std::string* err) {
  if (!secrets_.init(opts_.token_secret) || !saved_paths_.init(secrets_)) {
    *err = "random generator failed";
    return false;
  }
  const bool tls_ready = tls_.init(opts_, zero_rtt_binding(opts_), err);
  // Derived copies live on in secrets_ and tls_; ticket keys must not outlive their rotation.
  for (std::vector<uint8_t>* key : {&opts_.ticket_key, &opts_.previous_ticket_key, &opts_.token_secret}) {
    gnutls_memset(key->data(), 0, key->size());
    key->clear();
  }
  if (!tls_ready) return false;
  if (!socket_.open(opts_, err)) return false;
  uv_poll_init_socket(loop_, &poll_, socket_.fd());
  uv_timer_init(loop_, &timer_);
  uv_idle_init(loop_, &idle_);
  poll_.data = this;
  timer_.data = this;
  idle_.data = this;
  open_handles_ = 3;
  update_poll();
  return true;
}

Connection* Server::find(uint64_t serial) {
  auto it = conns_.find(serial);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Server::touch(Connection* conn) {
  mark_dirty(conn);
  if (!in_pump_) schedule_pump();
}

void Server::mark_dirty(Connection* conn) { dirty_.insert(conn->serial()); }

const std::string& Server::http_date() {
  const time_t now = time(nullptr);
  if (now != date_second_ || date_value_.empty()) {
    struct tm utc;
    gmtime_r(&now, &utc);
    char buf[40];
    const size_t n = strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    date_value_.assign(buf, n);
    date_second_ = now;
  }
  return date_value_;
}

void Server::associate(const ngtcp2_cid& cid, Connection* conn) { by_cid_[cid_key(cid.data, cid.datalen)] = conn; }

void Server::dissociate(const ngtcp2_cid& cid) { by_cid_.erase(cid_key(cid.data, cid.datalen)); }

void Server::on_poll(uv_poll_t* handle, int status, int events) {
  Server* self = static_cast<Server*>(handle->data);
  if (self->closing_ || status < 0) return;
  if ((events & UV_WRITABLE) != 0 && self->socket_.flush() == TxQueue::Flush::Done) {
    self->polling_writable_ = false;
    self->update_poll();
    for (uint64_t serial : self->waiting_writable_) self->dirty_.insert(serial);
    self->waiting_writable_.clear();
  }
  if ((events & UV_READABLE) != 0) self->read_socket();
  self->pump();
}

void Server::read_socket() {
  std::array<RecvPacket, UdpSocket::kBatch> packets;
  for (int round = 0; round < kReadRounds; ++round) {
    const size_t n = socket_.receive(packets);
    for (size_t i = 0; i < n; ++i) route(packets[i]);
    if (n < UdpSocket::kBatch) break;
  }
}

void Server::route(const RecvPacket& p) {
  ngtcp2_version_cid vc;
  const int rv = ngtcp2_pkt_decode_version_cid(&vc, p.data, p.len, kScidLen);
  if (rv == 0) {
    auto it = by_cid_.find(cid_key(vc.dcid, vc.dcidlen));
    if (it != by_cid_.end()) {
      Connection* conn = it->second;
      if (conn->read(p) != Connection::ReadResult::Ok) mark_dirty(conn);
      return;
    }
  } else if (rv != NGTCP2_ERR_VERSION_NEGOTIATION) {
    return;  // not QUIC, or not parseable: drop silently
  }
  Acceptor(*this).handle(p);
}

void Server::schedule_pump() {
  if (idle_active_ || closing_ || open_handles_ == 0) return;
  idle_active_ = true;
  uv_idle_start(&idle_, on_idle);
}

void Server::on_idle(uv_idle_t* handle) {
  Server* self = static_cast<Server*>(handle->data);
  uv_idle_stop(handle);
  self->idle_active_ = false;
  for (uint64_t serial : self->deferred_) self->dirty_.insert(serial);
  self->deferred_.clear();
  self->pump();
}

void Server::pump() {
  if (in_pump_ || open_handles_ == 0) return;
  in_pump_ = true;
  for (int round = 0; round < kPumpRounds && !closing_; ++round) {
    if (!events_.empty()) {
      std::vector<Event> batch;
      batch.swap(events_);
      sink_->deliver(batch);
    }
    write_dirty();
    if (socket_.flush() == TxQueue::Flush::Blocked && !polling_writable_) {
      polling_writable_ = true;
      update_poll();
    }
    if (events_.empty() && dirty_.empty()) break;
  }
  in_pump_ = false;
  if (close_requested_) {
    close_requested_ = false;
    do_close();
    return;
  }
  if (!events_.empty() || !dirty_.empty() || !deferred_.empty()) schedule_pump();
  rearm_timer();
}

void Server::write_dirty() {
  std::vector<uint64_t> batch(dirty_.begin(), dirty_.end());
  dirty_.clear();
  for (uint64_t serial : batch) {
    Connection* conn = find(serial);
    if (conn == nullptr) continue;
    if (conn->state() == Connection::State::Dead) {
      remove(conn);
      continue;
    }
    if (polling_writable_) {
      waiting_writable_.insert(serial);
      continue;
    }
    const Connection::WriteResult r = conn->write();
    if (conn->state() == Connection::State::Dead) {
      remove(conn);
    } else if (r == Connection::WriteResult::More) {
      deferred_.insert(serial);
    } else if (r == Connection::WriteResult::Blocked) {
      waiting_writable_.insert(serial);
      if (!polling_writable_) {
        polling_writable_ = true;
        update_poll();
      }
    }
  }
}

Refusal Server::admit(const Addr& remote) {
  if (conns_.size() >= opts_.max_connections) {
    ++stats_.refused_connections;
    return Refusal::Connections;
  }
  if (handshaking_ >= opts_.max_handshakes) {
    ++stats_.refused_handshakes;
    return Refusal::Handshakes;
  }
  auto it = per_address_.find(remote.ip_key());
  if (it == per_address_.end()) return Refusal::None;
  if (it->second.connections >= opts_.max_connections_per_address) {
    ++stats_.refused_connections_per_address;
    return Refusal::ConnectionsPerAddress;
  }
  if (it->second.handshakes >= opts_.max_handshakes_per_address) {
    ++stats_.refused_handshakes_per_address;
    return Refusal::HandshakesPerAddress;
  }
  return Refusal::None;
}

void Server::count_in(Connection* conn) {
  AddressCount& a = per_address_[conn->remote().ip_key()];
  ++a.connections;
  ++a.handshakes;
  ++handshaking_;
  conn->counted = true;
}

void Server::handshake_completed(Connection* conn) {
  if (!conn->counted) return;
  --handshaking_;
  auto it = per_address_.find(conn->remote().ip_key());
  if (it != per_address_.end()) --it->second.handshakes;
}

void Server::remove(Connection* conn) {
  const uint64_t serial = conn->serial();
  if (conn->counted) {
    if (!conn->handshake_done()) --handshaking_;
    auto it = per_address_.find(conn->remote().ip_key());
    if (it != per_address_.end()) {
      if (!conn->handshake_done()) --it->second.handshakes;
      if (--it->second.connections == 0) per_address_.erase(it);
    }
    conn->counted = false;
  }
  auto drop = [&](const ngtcp2_cid& cid) {
    auto it = by_cid_.find(cid_key(cid.data, cid.datalen));
    if (it != by_cid_.end() && it->second == conn) by_cid_.erase(it);
  };
  if (ngtcp2_conn* quic = conn->quic(); quic != nullptr) {
    drop(*ngtcp2_conn_get_client_initial_dcid(quic));
    std::vector<ngtcp2_cid> scids(ngtcp2_conn_get_scid(quic, nullptr));
    ngtcp2_conn_get_scid(quic, scids.data());
    for (const ngtcp2_cid& cid : scids) drop(cid);
  }
  timers_.erase({conn->timer_key(), serial});
  dirty_.erase(serial);
  deferred_.erase(serial);
  waiting_writable_.erase(serial);
  const ConnStats st = conn->stats();
  Event ev{EventKind::ConnClose, serial, -1, 0, false, {}};
  ev.stats = {st.rtt_ms, static_cast<double>(st.cwnd_bytes), static_cast<double>(st.lost_packets),
              static_cast<double>(st.sent_bytes), static_cast<double>(st.recv_bytes),
              static_cast<double>(st.max_udp_payload_bytes), static_cast<double>(st.first_flight_packets),
              static_cast<double>(st.bandwidth_bytes_per_sec), static_cast<double>(st.careful_resume)};
  conns_.erase(serial);
  events_.push_back(std::move(ev));
}

void Server::arm(Connection* conn, ngtcp2_tstamp when) {
  if (conn->timer_key() == when && when != 0) return;
  timers_.erase({conn->timer_key(), conn->serial()});
  conn->set_timer_key(when);
  timers_.insert({when, conn->serial()});
  if (!in_pump_) rearm_timer();
}

void Server::rearm_timer() {
  if (open_handles_ == 0 || closing_) return;
  const ngtcp2_tstamp deadline = timers_.empty() ? UINT64_MAX : timers_.begin()->first;
  if (deadline == armed_deadline_) return;
  armed_deadline_ = deadline;
  if (deadline == UINT64_MAX) {
    uv_timer_stop(&timer_);
    return;
  }
  const ngtcp2_tstamp now = now_ns();
  // libuv counts whole milliseconds; round up so the timer never fires before ngtcp2's deadline
  // (pacing tolerates 1 ms of lateness).
  const uint64_t delay_ms = deadline <= now ? 0 : (deadline - now + NGTCP2_MILLISECONDS - 1) / NGTCP2_MILLISECONDS;
  uv_update_time(loop_);
  uv_timer_start(&timer_, on_timer, delay_ms, 0);
}

void Server::on_timer(uv_timer_t* handle) {
  Server* self = static_cast<Server*>(handle->data);
  self->armed_deadline_ = 0;
  const ngtcp2_tstamp now = now_ns();
  std::vector<uint64_t> expired;
  for (auto it = self->timers_.begin(); it != self->timers_.end() && it->first <= now;) {
    expired.push_back(it->second);
    it = self->timers_.erase(it);
  }
  for (uint64_t serial : expired) {
    if (Connection* conn = self->find(serial); conn != nullptr) {
      conn->set_timer_key(0);
      conn->on_timer(now);
      self->mark_dirty(conn);
    }
  }
  self->pump();
  self->rearm_timer();
}

void Server::goaway(bool final) {
  goaway_sent_ = true;
  for (auto& [serial, conn] : conns_) {
    if (conn->state() != Connection::State::Open) continue;
    conn->h3().goaway(final);
    mark_dirty(conn.get());
  }
  if (!in_pump_) schedule_pump();
}

void Server::close(std::function<void()> done) {
  if (closing_ || close_requested_) return;
  on_closed_ = std::move(done);
  if (in_pump_) {
    close_requested_ = true;
    return;
  }
  do_close();
}

void Server::do_close() {
  closing_ = true;
  for (auto& [serial, conn] : conns_) conn->close_gracefully();
  socket_.flush();  // best effort: a full socket buffer loses the goodbyes, peers time out
  std::vector<Connection*> all;
  for (auto& [serial, conn] : conns_) all.push_back(conn.get());
  for (Connection* conn : all) remove(conn);
  if (!events_.empty()) {
    std::vector<Event> batch;
    batch.swap(events_);
    sink_->deliver(batch);
  }
  uv_poll_stop(&poll_);
  uv_timer_stop(&timer_);
  uv_idle_stop(&idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_handle_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle_), on_handle_closed);
}

void Server::on_handle_closed(uv_handle_t* handle) {
  Server* self = static_cast<Server*>(handle->data);
  if (--self->open_handles_ > 0) return;
  self->socket_.close();
  if (self->on_closed_) {
    auto done = std::move(self->on_closed_);
    done();
  }
}

void Server::update_poll() {
  uv_poll_start(&poll_, UV_READABLE | (polling_writable_ ? UV_WRITABLE : 0), on_poll);
}

}  // namespace h3edge
