#include "http3.h"

#include <ngtcp2/ngtcp2.h>

#include "connection.h"
#include "kept_answers.h"
#include "secrets.h"
#include "server.h"

namespace h3edge {

namespace {
// RFC 9204 §3.2.3 / §2.1.2: a modest dynamic table and blocked-stream budget for the decoder.
constexpr size_t kQpackTableBytes = 4096;
constexpr size_t kQpackBlockedStreams = 100;
}  // namespace

extern const nghttp3_callbacks kHttp3Callbacks;  // http3_callbacks.cc

Http3::~Http3() {
  streams_.clear();
  if (h3_ != nullptr) nghttp3_conn_del(h3_);
}

int Http3::setup() {
  if (h3_ != nullptr) return 0;
  ngtcp2_conn* quic = conn_.quic();
  if (ngtcp2_conn_get_streams_uni_left(quic) < 3) return -1;
  nghttp3_settings settings;
  nghttp3_settings_default(&settings);
  settings.qpack_max_dtable_capacity = kQpackTableBytes;
  settings.qpack_blocked_streams = kQpackBlockedStreams;
  settings.max_field_section_size = conn_.server().options().max_header_bytes;
  if (nghttp3_conn_server_new(&h3_, &kHttp3Callbacks, &settings, nghttp3_mem_default(), this) != 0) {
    h3_ = nullptr;
    return -1;
  }
  const ngtcp2_transport_params* params = ngtcp2_conn_get_local_transport_params(quic);
  nghttp3_conn_set_max_client_streams_bidi(h3_, params->initial_max_streams_bidi);
  int64_t control = -1, qenc = -1, qdec = -1;
  if (ngtcp2_conn_open_uni_stream(quic, &control, nullptr) != 0 ||
      nghttp3_conn_bind_control_stream(h3_, control) != 0 ||
      ngtcp2_conn_open_uni_stream(quic, &qenc, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(quic, &qdec, nullptr) != 0 ||
      nghttp3_conn_bind_qpack_streams(h3_, qenc, qdec) != 0) {
    return -1;
  }
  return 0;
}

RequestStream* Http3::find(int64_t stream_id) {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : it->second.get();
}

int Http3::on_stream_data(int64_t stream_id, const uint8_t* data, size_t len, bool fin, bool early) {
  RequestStream* s = find(stream_id);
  if (s == nullptr && ngtcp2_is_bidi_stream(stream_id)) {
    // Created before nghttp3 reports the header section so the size guard below sees it all.
    auto& slot = streams_[stream_id];
    slot = std::make_unique<RequestStream>(stream_id);
    s = slot.get();
  }
  if (s != nullptr && !s->headers_done) {
    // nghttp3 buffers a field line whole and does not enforce our SETTINGS_MAX_FIELD_SECTION_SIZE
    // (RFC 9114 §4.2.2), so a header section that never ends is cut off here.
    s->raw_header_bytes += len;
    if (s->raw_header_bytes > 2 * conn_.server().options().max_header_bytes + 1024) {
      reject_oversized(s);
      // These bytes are dropped, not read: give their connection credit back, or a few refused
      // sections would starve the other streams (ngtcp2 credits what arrives after the shutdown).
      ngtcp2_conn_extend_max_offset(conn_.quic(), len);
      return 0;
    }
  }
  current_early_ = early;
  const nghttp3_ssize consumed = nghttp3_conn_read_stream(h3_, stream_id, data, len, fin ? 1 : 0);
  current_early_ = false;
  if (consumed < 0) {
    conn_.record_app_error(static_cast<int>(consumed));
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  consume(stream_id, static_cast<size_t>(consumed));
  if (!ngtcp2_is_bidi_stream(stream_id) && (stream_id & 0x1) == 0) apply_priority_updates(stream_id, data, len);
  return 0;
}

void Http3::apply_priority_updates(int64_t stream_id, const uint8_t* data, size_t len) {
  std::vector<PriorityUpdate> updates;
  priority_updates_.feed(stream_id, data, len, &updates);
  for (const PriorityUpdate& u : updates) {
    RequestStream* s = find(u.stream_id);
    if (s == nullptr || !s->responded) continue;  // before respond(), nghttp3's own value is read there
    // Where we set no priority, nghttp3 has applied the update itself.
    if (s->server_priority) nghttp3_conn_set_server_stream_priority(h3_, u.stream_id, &u.pri);
    note_priority(*s, u.pri, true);
  }
}

void Http3::note_priority(RequestStream& s, const nghttp3_pri& pri, bool by_client) {
  s.urgency = static_cast<int>(pri.urgency);
  s.incremental = pri.inc != 0;
  s.priority_by_client = by_client;
  if (!conn_.qlogging()) return;
  // qlog HTTP/3 events: priority_updated, with the RFC 9218 field value it now has.
  std::string data = "\"stream_id\":" + std::to_string(s.id) + ",\"new\":\"u=" + std::to_string(pri.urgency) +
                     (pri.inc != 0 ? ", i" : "") + "\",\"trigger\":\"" + (by_client ? "client_signal_received" : "local") + "\"";
  conn_.qlog_event("http:priority_updated", data);
}

void Http3::consume(int64_t stream_id, size_t n) {
  ngtcp2_conn_extend_max_stream_offset(conn_.quic(), stream_id, n);
  ngtcp2_conn_extend_max_offset(conn_.quic(), n);
}

int Http3::on_acked(int64_t stream_id, uint64_t len) {
  if (h3_ == nullptr) return 0;
  if (const int rv = nghttp3_conn_add_ack_offset(h3_, stream_id, len); rv != 0) {
    conn_.record_app_error(rv);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

int Http3::on_quic_stream_close(int64_t stream_id, uint64_t app_error_code) {
  if (h3_ == nullptr) return 0;
  const int rv = nghttp3_conn_close_stream(h3_, stream_id, app_error_code);
  if (rv == NGHTTP3_ERR_STREAM_NOT_FOUND) {
    // A stream nghttp3 never saw (reset before a header section): give the client its credit back.
    streams_.erase(stream_id);
    if (ngtcp2_is_bidi_stream(stream_id)) ngtcp2_conn_extend_max_streams_bidi(conn_.quic(), 1);
    return 0;
  }
  if (rv != 0) {
    conn_.record_app_error(rv);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

int Http3::on_stream_reset(int64_t stream_id) {
  if (h3_ == nullptr) return 0;
  if (const int rv = nghttp3_conn_shutdown_stream_read(h3_, stream_id); rv != 0) {
    conn_.record_app_error(rv);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

int Http3::on_stream_unblocked(int64_t stream_id) {
  if (h3_ == nullptr) return 0;
  if (const int rv = nghttp3_conn_unblock_stream(h3_, stream_id); rv != 0) {
    conn_.record_app_error(rv);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return 0;
}

void Http3::set_max_client_streams(uint64_t max_streams) {
  if (h3_ != nullptr) nghttp3_conn_set_max_client_streams_bidi(h3_, max_streams);
}

int Http3::on_written(int64_t stream_id, size_t len, bool fin) {
  if (stream_id < 0) return 0;
  if (const int rv = nghttp3_conn_add_write_offset(h3_, stream_id, len); rv != 0) {
    conn_.record_app_error(rv);
    return -1;
  }
  if (RequestStream* s = find(stream_id); s != nullptr) {
    s->written_bytes += len;
    if (fin) s->fin_written = true;
    emit_pull_if_owed(s);
  }
  return 0;
}

void Http3::reject_oversized(RequestStream* s) {
  if (s->headers_too_large) return;
  s->headers_too_large = true;
  s->headers_done = true;
  // H3_EXCESSIVE_LOAD (RFC 9114 §8.1): the peer keeps sending a header section we refuse.
  nghttp3_conn_shutdown_stream_read(h3_, s->id);
  ngtcp2_conn_shutdown_stream(conn_.quic(), 0, s->id, NGHTTP3_H3_EXCESSIVE_LOAD);
  ++conn_.server().stats().header_sections_reset;
  conn_.server().emit(Event{EventKind::Refused, conn_.serial(), s->id, 0, false, {}});
}

void Http3::abort_all(uint64_t app_error_code, bool peer_closed_gracefully) {
  if (streams_.empty()) return;
  Server& server = conn_.server();
  for (auto& [id, s] : streams_) {
    // A client that closes without error right after our last packet often has not sent its
    // final ACK yet (ACK delay); a response whose FIN went out counts as delivered then.
    const bool completed = s->completed() || (peer_closed_gracefully && s->responded && s->eof && s->fin_written);
    if (s->delivered) {
      server.emit(Event::stream_close(conn_.serial(), *s, app_error_code, completed));
    } else if (s->kept) {
      kept_closed(*s, app_error_code, completed);
    }
  }
  streams_.clear();
}

void Http3::kept_closed(const RequestStream& s, uint64_t app_error_code, bool completed) {
  KeptAnswers& kept = conn_.server().kept();
  --kept.in_flight;
  conn_.server().emit(Event::kept_close(conn_.serial(), s, app_error_code, completed, conn_.remote().host(), now_ns()));
}

void Http3::goaway(bool final) {
  if (h3_ == nullptr) return;
  if (final) {
    nghttp3_conn_shutdown(h3_);
  } else {
    nghttp3_conn_submit_shutdown_notice(h3_);
  }
}

}  // namespace h3edge
