// Responses: headers through nghttp3, bodies handed over without copying. nghttp3 takes
// pointers into the JavaScript Buffers (read_body) and tells us when the peer acknowledged
// them (acked_body); only then is the Buffer released.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include <ngtcp2/ngtcp2.h>

#include "connection.h"
#include "http3.h"
#include "kept_answers.h"
#include "secrets.h"
#include "server.h"

namespace h3edge {

namespace {

nghttp3_ssize read_data(nghttp3_conn*, int64_t, nghttp3_vec* vec, size_t veccnt, uint32_t* pflags, void* ud,
                        void* sud) {
  if (sud == nullptr) return NGHTTP3_ERR_CALLBACK_FAILURE;
  return static_cast<Http3*>(ud)->read_body(static_cast<RequestStream*>(sud), vec, veccnt, pflags);
}

nghttp3_nv make_nv(const std::string& name, const std::string& value) {
  return nghttp3_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP3_NV_FLAG_NONE};
}

const std::string kDateName = "date";

}  // namespace

// RFC 9114 §4.2: lowercase names, no pseudo-headers from the caller, no connection-specific fields.
bool valid_response_field(const std::string& name, const std::string& value, std::string* err) {
  if (name.empty() || name[0] == ':') {
    *err = "invalid response header name '" + name + "'";
    return false;
  }
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      *err = "response header names must be lowercase: '" + name + "'";
      return false;
    }
  }
  if (!nghttp3_check_header_name(reinterpret_cast<const uint8_t*>(name.data()), name.size())) {
    *err = "invalid response header name '" + name + "'";
    return false;
  }
  static constexpr std::string_view kConnectionSpecific[] = {"connection", "keep-alive", "proxy-connection",
                                                              "transfer-encoding", "upgrade"};
  for (std::string_view banned : kConnectionSpecific) {
    if (name == banned) {
      *err = "connection-specific header '" + name + "' is not allowed in HTTP/3";
      return false;
    }
  }
  if (!nghttp3_check_header_value(reinterpret_cast<const uint8_t*>(value.data()), value.size())) {
    *err = "invalid value for response header '" + name + "'";
    return false;
  }
  return true;
}

namespace {

// CMSD-Dynamic's path part (CTA-5006): `;etp=` the bandwidth estimate in kbit/s and `;rtt=` the
// smoothed RTT in ms, rounded as cmsd.ts does; nothing before the first RTT sample.
std::string path_reading(const ConnStats& st) {
  if (!(st.rtt_ms > 0)) return {};
  std::string out;
  if (st.bandwidth_bytes_per_sec > 0) out += ";etp=" + std::to_string(std::llround(static_cast<double>(st.bandwidth_bytes_per_sec) * 8 / 1000));
  out += ";rtt=" + std::to_string(std::llround(st.rtt_ms));
  return out;
}

}  // namespace

bool Http3::respond(int64_t stream_id, ResponseSpec&& spec, std::string* err) {
  RequestStream* s = find(stream_id);
  if (s == nullptr || h3_ == nullptr || s->responded || s->cancelled || !s->delivered) return false;
  if (spec.status < 200 || spec.status > 599) {
    *err = "status must be a final status code (200-599)";
    return false;
  }
  if (spec.urgency > NGHTTP3_URGENCY_LOW) {
    *err = "priority urgency must be 0-7";
    return false;
  }
  const std::string status = std::to_string(spec.status);
  static const std::string kStatusName = ":status";
  std::vector<nghttp3_nv> nva;
  nva.reserve(spec.headers.size() + 2);
  nva.push_back(make_nv(kStatusName, status));
  bool dated = false;
  for (const auto& [name, value] : spec.headers) {
    if (!valid_response_field(name, value, err)) return false;
    nva.push_back(make_nv(name, value));
    dated = dated || name == kDateName;
  }
  // RFC 9110 §6.6.1: an origin server with a clock sends Date (node's http2 does so for HTTP/2).
  if (!dated) nva.push_back(make_nv(kDateName, conn_.server().http_date()));
  apply_priority(*s, spec.urgency, spec.incremental, spec.over_client);
  s->streaming = spec.has_body && spec.streaming;
  if (spec.has_body && !spec.streaming && spec.body.len > 0) {
    s->body_bytes = spec.body.len;
    s->pushed_bytes = spec.body.len;
    s->chunks.push_back(std::move(spec.body));
  }
  s->eof = !s->streaming;
  const bool with_reader = s->streaming || s->body_bytes > 0;
  static const nghttp3_data_reader kReader{read_data};
  if (const int rv = nghttp3_conn_submit_response(h3_, stream_id, nva.data(), nva.size(), with_reader ? &kReader : nullptr);
      rv != 0) {
    s->chunks.clear();
    return false;
  }
  s->responded = true;
  conn_.server().touch(&conn_);
  return true;
}

void Http3::apply_priority(RequestStream& s, int urgency, bool incremental, bool over_client) {
  // RFC 9218 §8: the server may reprioritize; our default only applies when the client said
  // nothing (or `over_client`: what the player reported of its buffer outranks its generic
  // signal), because nghttp3 stops listening to the client once the server sets one (1.8 as 0.8:
  // "any attempts to update priority by client are ignored"; http3.cc re-applies them).
  nghttp3_pri current{NGHTTP3_DEFAULT_URGENCY, 0};
  nghttp3_conn_get_stream_priority(h3_, &current, s.id);
  const bool client_signalled = s.priority_header || current.urgency != NGHTTP3_DEFAULT_URGENCY || current.inc != 0;
  if (urgency >= 0 && (over_client || !client_signalled)) {
    const nghttp3_pri pri{static_cast<uint32_t>(urgency), static_cast<uint8_t>(incremental ? 1 : 0)};
    nghttp3_conn_set_server_stream_priority(h3_, s.id, &pri);
    s.server_priority = true;
    note_priority(s, pri, false);
  } else {
    note_priority(s, current, client_signalled);
  }
}

bool Http3::answer_kept(RequestStream* s, bool fin) {
  Server& server = conn_.server();
  KeptAnswers& kept = server.kept();
  if (kept.empty() || !kept.accepts(*s)) return false;
  const uint64_t now = now_ns();
  std::shared_ptr<const KeptResponse> r = kept.find(s->authority, s->path, now);
  if (!r) return false;
  // A mapping whose file lost its pages under it: JavaScript answers (and finds out).
  if (const MapGuard* guard = server.options().map_guard; guard != nullptr && r->len > 0 && guard->poisoned_live() > 0 && guard->poisoned(r->data, r->len)) {
    kept.forget(s->authority, s->path);
    return false;
  }
  static const std::string kStatusName = ":status";
  std::vector<nghttp3_nv> nva;
  nva.reserve(r->headers.size() + 3);
  nva.push_back(make_nv(kStatusName, r->status));
  for (const auto& [name, value] : r->headers) nva.push_back(make_nv(name, value));
  nva.push_back(make_nv(kDateName, server.http_date()));
  std::string path_value;
  if (!r->path_field.empty()) {
    path_value = r->path_before + path_reading(conn_.stats()) + r->path_after;
    nva.push_back(make_nv(r->path_field, path_value));
  }
  apply_priority(*s, r->urgency, r->incremental, false);
  if (r->len > 0) {
    BodyChunk body;
    body.data = r->data;
    body.len = r->len;
    body.shared_owner = r;
    s->chunks.push_back(std::move(body));
  }
  s->body_bytes = s->pushed_bytes = r->len;
  s->eof = true;
  static const nghttp3_data_reader kReader{read_data};
  if (nghttp3_conn_submit_response(h3_, s->id, nva.data(), nva.size(), r->len > 0 ? &kReader : nullptr) != 0) {
    s->chunks.clear();
    s->body_bytes = s->pushed_bytes = 0;
    s->eof = false;
    return false;
  }
  s->responded = true;
  s->kept = std::move(r);
  s->kept_at_ns = now;
  ++kept.in_flight;
  ++kept.answered;
  // RFC 9114 §4.1.2: the whole response is on its way; the rest of the request (a FIN in a later
  // frame, a body nobody asked for) is refused as the core refuses it.
  if (!fin) stop_reading(s->id);
  return true;
}

bool Http3::push(int64_t stream_id, BodyChunk&& chunk, bool eof, bool* alive) {
  RequestStream* s = find(stream_id);
  *alive = s != nullptr && s->responded && s->streaming && !s->eof && !s->cancelled;
  if (!*alive) return false;
  if (chunk.len > 0) {
    s->pushed_bytes += chunk.len;
    s->body_bytes += chunk.len;
    s->chunks.push_back(std::move(chunk));
  }
  s->eof = eof;
  nghttp3_conn_resume_stream(h3_, stream_id);
  conn_.server().touch(&conn_);
  if (eof) return false;
  const uint64_t unsent = s->pushed_bytes > s->written_bytes ? s->pushed_bytes - s->written_bytes : 0;
  if (unsent < kBodyHighWater) return true;
  s->paused = true;
  return false;
}

bool Http3::cancel(int64_t stream_id) {
  RequestStream* s = find(stream_id);
  if (s == nullptr || s->cancelled) return false;
  s->cancelled = true;
  nghttp3_conn_shutdown_stream_read(h3_, stream_id);
  ngtcp2_conn_shutdown_stream(conn_.quic(), 0, stream_id, NGHTTP3_H3_REQUEST_CANCELLED);
  conn_.server().touch(&conn_);
  return true;
}

size_t Http3::reset_poisoned(const MapGuard& guard) {
  size_t reset = 0;
  for (auto& [id, s] : streams_) {
    if (s->cancelled || !s->responded) continue;
    for (const BodyChunk& c : s->chunks) {
      if (!guard.poisoned(c.data, c.len)) continue;
      s->cancelled = true;
      nghttp3_conn_shutdown_stream_read(h3_, id);
      ngtcp2_conn_shutdown_stream(conn_.quic(), 0, id, NGHTTP3_H3_INTERNAL_ERROR);
      ++reset;
      break;
    }
  }
  return reset;
}

void Http3::consume_body(int64_t stream_id, uint64_t n) {
  RequestStream* s = find(stream_id);
  if (s == nullptr || s->read_stopped) return;  // credit returned when it closed or stopped
  n = std::min(n, s->body_unconsumed);
  s->body_unconsumed -= n;
  consume(stream_id, n);
  conn_.server().touch(&conn_);
}

bool Http3::stop_reading(int64_t stream_id) {
  RequestStream* s = find(stream_id);
  if (s == nullptr || s->read_stopped) return false;
  s->read_stopped = true;
  nghttp3_conn_shutdown_stream_read(h3_, stream_id);
  // ngtcp2 sends STOP_SENDING and credits the connection for what arrives after this itself.
  ngtcp2_conn_shutdown_stream_read(conn_.quic(), 0, stream_id, NGHTTP3_H3_NO_ERROR);
  ngtcp2_conn_extend_max_offset(conn_.quic(), s->body_unconsumed);
  s->body_unconsumed = 0;
  conn_.server().touch(&conn_);
  return true;
}

nghttp3_ssize Http3::read_body(RequestStream* s, nghttp3_vec* vec, size_t veccnt, uint32_t* pflags) {
  size_t n = 0;
  while (s->unread < s->chunks.size() && n < veccnt) {
    const BodyChunk& c = s->chunks[s->unread++];
    vec[n].base = const_cast<uint8_t*>(c.data);
    vec[n].len = c.len;
    ++n;
  }
  if (s->unread == s->chunks.size() && s->eof) {
    *pflags |= NGHTTP3_DATA_FLAG_EOF;
  } else if (n == 0) {
    return NGHTTP3_ERR_WOULDBLOCK;  // push() resumes the stream
  }
  return static_cast<nghttp3_ssize>(n);
}

void Http3::acked_body(RequestStream* s, uint64_t len) {
  s->acked_bytes += len;
  s->ack_pending += len;
  while (!s->chunks.empty() && s->unread > 0 && s->chunks.front().len <= s->ack_pending) {
    s->ack_pending -= s->chunks.front().len;
    s->chunks.pop_front();
    --s->unread;
  }
}

void Http3::emit_pull_if_owed(RequestStream* s) {
  if (!s->paused) return;
  const uint64_t unsent = s->pushed_bytes > s->written_bytes ? s->pushed_bytes - s->written_bytes : 0;
  if (unsent >= kBodyLowWater) return;
  s->paused = false;
  conn_.server().emit(Event{EventKind::Pull, conn_.serial(), s->id, 0, false, {}});
}

}  // namespace h3edge
