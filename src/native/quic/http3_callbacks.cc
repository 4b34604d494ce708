// nghttp3 callbacks: decoding requests into RequestStreams and events for JavaScript.
// Nothing here closes the connection: errors are returned, and the caller of nghttp3 acts on
// them once the library has returned.
#include <ngtcp2/ngtcp2.h>

#include "connection.h"
#include "http3.h"
#include "server.h"

namespace h3edge {

namespace {

Http3& of(void* conn_user_data) { return *static_cast<Http3*>(conn_user_data); }
RequestStream* stream_of(void* stream_user_data) { return static_cast<RequestStream*>(stream_user_data); }

int acked_stream_data(nghttp3_conn*, int64_t, uint64_t len, void* ud, void* sud) {
  if (sud != nullptr) of(ud).acked_body(stream_of(sud), len);
  return 0;
}

int stream_close(nghttp3_conn*, int64_t stream_id, uint64_t app_error_code, void* ud, void*) {
  of(ud).stream_closed(stream_id, app_error_code);
  return 0;
}

int recv_data(nghttp3_conn*, int64_t stream_id, const uint8_t* data, size_t len, void* ud, void* sud) {
  // Credit for body bytes returns when JavaScript consumes them (Http3::consume_body).
  if (sud == nullptr || !of(ud).recv_data(stream_of(sud), data, len)) of(ud).consume(stream_id, len);
  return 0;
}

int deferred_consume(nghttp3_conn*, int64_t stream_id, size_t consumed, void* ud, void*) {
  of(ud).consume(stream_id, consumed);
  return 0;
}

int begin_headers(nghttp3_conn*, int64_t stream_id, void* ud, void*) {
  of(ud).begin_headers(stream_id);
  return 0;
}

int recv_header(nghttp3_conn*, int64_t, int32_t token, nghttp3_rcbuf* name, nghttp3_rcbuf* value, uint8_t,
                void* ud, void* sud) {
  if (sud == nullptr) return 0;
  return of(ud).recv_header(stream_of(sud), token, name, value);
}

int end_headers(nghttp3_conn*, int64_t, int fin, void* ud, void* sud) {
  if (sud == nullptr) return 0;
  return of(ud).end_headers(stream_of(sud), fin != 0);
}

int stop_sending(nghttp3_conn*, int64_t stream_id, uint64_t app_error_code, void* ud, void*) {
  ngtcp2_conn_shutdown_stream_read(of(ud).connection().quic(), 0, stream_id, app_error_code);
  return 0;
}

int end_stream(nghttp3_conn*, int64_t, void* ud, void* sud) {
  if (sud != nullptr) of(ud).end_stream(stream_of(sud));
  return 0;
}

int reset_stream(nghttp3_conn*, int64_t stream_id, uint64_t app_error_code, void* ud, void*) {
  ngtcp2_conn_shutdown_stream_write(of(ud).connection().quic(), 0, stream_id, app_error_code);
  return 0;
}

std::string to_string(nghttp3_rcbuf* buf) {
  const nghttp3_vec v = nghttp3_rcbuf_get_buf(buf);
  return std::string(reinterpret_cast<const char*>(v.base), v.len);
}

}  // namespace

extern const nghttp3_callbacks kHttp3Callbacks = {
    acked_stream_data, stream_close, recv_data,    deferred_consume, begin_headers, recv_header, end_headers,
    nullptr,  // begin_trailers: request trailers are ignored
    nullptr,  // recv_trailer
    nullptr,  // end_trailers
    stop_sending,      end_stream,   reset_stream,
    nullptr,  // shutdown: a client's GOAWAY changes nothing for a server without push
};

void Http3::begin_headers(int64_t stream_id) {
  auto& slot = streams_[stream_id];
  if (!slot) slot = std::make_unique<RequestStream>(stream_id);
  nghttp3_conn_set_stream_user_data(h3_, stream_id, slot.get());
}

int Http3::recv_header(RequestStream* s, int32_t token, nghttp3_rcbuf* name, nghttp3_rcbuf* value) {
  if (s->headers_done || s->headers_too_large) return 0;  // trailers and refused sections
  const nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
  const nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
  // RFC 9114 §4.2.2: name + value + 32 per field line.
  s->header_bytes += n.len + v.len + 32;
  if (s->header_bytes > conn_.server().options().max_header_bytes) {
    s->headers_too_large = true;
    s->headers.clear();
    return 0;
  }
  switch (token) {
    case NGHTTP3_QPACK_TOKEN__METHOD:
      s->method = to_string(value);
      return 0;
    case NGHTTP3_QPACK_TOKEN__PATH:
      s->path = to_string(value);
      return 0;
    case NGHTTP3_QPACK_TOKEN__AUTHORITY:
      s->authority = to_string(value);
      return 0;
    case NGHTTP3_QPACK_TOKEN__SCHEME:
      s->scheme = to_string(value);
      return 0;
    case NGHTTP3_QPACK_TOKEN_PRIORITY: {
      nghttp3_pri pri{NGHTTP3_DEFAULT_URGENCY, 0};
      if (nghttp3_pri_parse_priority(&pri, v.base, v.len) == 0) s->priority_header = true;
      break;
    }
    default:
      break;
  }
  if (n.len > 0 && n.base[0] == ':') return 0;  // other pseudo-headers (:protocol) are not ours
  s->headers.emplace_back(to_string(name), to_string(value));
  return 0;
}

int Http3::end_headers(RequestStream* s, bool fin) {
  if (s->headers_done) return 0;
  s->headers_done = true;
  if (s->headers_too_large) {
    // RFC 6585 §5 via RFC 9114 §4.2.2: answer 431 ourselves; JavaScript never sees the request.
    const std::string& date = conn_.server().http_date();
    const nghttp3_nv fields[] = {{reinterpret_cast<uint8_t*>(const_cast<char*>(":status")),
                                  reinterpret_cast<uint8_t*>(const_cast<char*>("431")), 7, 3, NGHTTP3_NV_FLAG_NONE},
                                 {reinterpret_cast<uint8_t*>(const_cast<char*>("date")),
                                  reinterpret_cast<uint8_t*>(const_cast<char*>(date.data())), 4, date.size(),
                                  NGHTTP3_NV_FLAG_NONE}};
    s->responded = true;
    s->eof = true;
    if (nghttp3_conn_submit_response(h3_, s->id, fields, 2, nullptr) != 0) return NGHTTP3_ERR_CALLBACK_FAILURE;
    if (!fin) ngtcp2_conn_shutdown_stream_read(conn_.quic(), 0, s->id, NGHTTP3_H3_NO_ERROR);
    ++conn_.server().stats().header_sections_refused;
    conn_.server().emit(Event{EventKind::Refused, conn_.serial(), s->id, 431, false, {}});
    return 0;
  }
  s->early = current_early_;
  if (answer_kept(s, fin)) return 0;
  conn_.server().emit(Event{EventKind::Request, conn_.serial(), s->id, 0, fin, {}});
  return 0;
}

bool Http3::recv_data(RequestStream* s, const uint8_t* data, size_t len) {
  if (s->headers_too_large || s->read_stopped || len == 0) return false;
  s->body_unconsumed += len;
  conn_.server().emit(Event{EventKind::Data, conn_.serial(), s->id, 0, false, std::vector<uint8_t>(data, data + len)});
  return true;
}

void Http3::end_stream(RequestStream* s) {
  // A refused head or a kept answer: JavaScript never hears of the request, nor of its end.
  if (s->headers_too_large || s->kept) return;
  conn_.server().emit(Event{EventKind::End, conn_.serial(), s->id, 0, false, {}});
}

void Http3::stream_closed(int64_t stream_id, uint64_t app_error_code) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) {
    RequestStream& s = *it->second;
    // Body bytes nobody consumed still hold connection credit: the other streams need it back.
    if (s.body_unconsumed > 0) ngtcp2_conn_extend_max_offset(conn_.quic(), s.body_unconsumed);
    const bool completed = app_error_code == NGHTTP3_H3_NO_ERROR && s.completed();
    if (s.delivered) {
      conn_.server().emit(Event::stream_close(conn_.serial(), s, app_error_code, completed));
    } else if (s.kept) {
      kept_closed(s, app_error_code, completed);
    }
    streams_.erase(it);
  }
  // Each finished request stream lets the client open another (RFC 9000 §4.6).
  if (ngtcp2_is_bidi_stream(stream_id)) ngtcp2_conn_extend_max_streams_bidi(conn_.quic(), 1);
}

}  // namespace h3edge
