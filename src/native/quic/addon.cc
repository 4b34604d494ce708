// The JavaScript face of the engine: class QuicServer. Thin on purpose;
// src/native/quic.ts turns the event stream into request objects.
//
// JavaScript is called once per event (request, body piece, pull, stream/connection close),
// never per packet, and only from Server::pump, when no library callback is on the stack.
#include <napi.h>

#include <gnutls/gnutls.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "connection.h"
#include "kept_answers.h"
#include "kept_batch.h"
#include "secrets.h"
#include "server.h"

namespace h3edge {

namespace {

Napi::Object conn_stats_object(Napi::Env env, const ConnStats& st) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rttMs", st.rtt_ms);
  o.Set("cwndBytes", static_cast<double>(st.cwnd_bytes));
  o.Set("lostPackets", static_cast<double>(st.lost_packets));
  o.Set("sentBytes", static_cast<double>(st.sent_bytes));
  o.Set("recvBytes", static_cast<double>(st.recv_bytes));
  o.Set("maxUdpPayloadBytes", static_cast<double>(st.max_udp_payload_bytes));
  o.Set("firstFlightPackets", static_cast<double>(st.first_flight_packets));
  o.Set("bandwidthBytesPerSec", static_cast<double>(st.bandwidth_bytes_per_sec));
  o.Set("carefulResume", careful_resume_outcome_name(st.careful_resume));
  return o;
}

uint64_t option_u64(const Napi::Object& o, const char* key, uint64_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? static_cast<uint64_t>(v.As<Napi::Number>().Int64Value()) : fallback;
}

bool option_bool(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}

std::string option_string(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

bool parse_cc_algo(const std::string& name, ngtcp2_cc_algo* out) {
  // ngtcp2 1.x has one BBR (its BBRv2/v3 state machine; BBRv1 is gone): both names select it.
  static constexpr std::pair<const char*, ngtcp2_cc_algo> kAlgos[] = {{"reno", NGTCP2_CC_ALGO_RENO},
                                                                       {"cubic", NGTCP2_CC_ALGO_CUBIC},
                                                                       {"bbr", NGTCP2_CC_ALGO_BBR},
                                                                       {"bbr2", NGTCP2_CC_ALGO_BBR}};
  for (const auto& [n, algo] : kAlgos) {
    if (name == n) {
      *out = algo;
      return true;
    }
  }
  return false;
}

std::vector<uint8_t> buffer_bytes(const Napi::Value& v) {
  if (!v.IsBuffer()) return {};
  auto buf = v.As<Napi::Buffer<uint8_t>>();
  return std::vector<uint8_t>(buf.Data(), buf.Data() + buf.Length());
}

/**
 * Response fields as JavaScript joins them: every name and value followed by a NUL, `count`
 * names. A NUL inside a name or value shows as another count: refused.
 */
bool split_fields(const std::string& joined, uint32_t count, std::vector<std::pair<std::string, std::string>>* out, std::string* err) {
  out->reserve(count);
  for (size_t pos = 0; pos < joined.size();) {
    const size_t name_end = joined.find('\0', pos);
    const size_t value_end = name_end == std::string::npos ? std::string::npos : joined.find('\0', name_end + 1);
    if (value_end == std::string::npos) {
      *err = "response fields: a name without its value";
      return false;
    }
    out->emplace_back(joined.substr(pos, name_end - pos), joined.substr(name_end + 1, value_end - name_end - 1));
    pos = value_end + 1;
  }
  if (out->size() != count) {
    *err = "invalid response header: a name or value contains NUL";
    return false;
  }
  return true;
}

Napi::Value throw_type_error(Napi::Env env, const std::string& message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

class QuicServer : public Napi::ObjectWrap<QuicServer>, public EventSink {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "QuicServer",
                       {InstanceMethod<&QuicServer::Listen>("listen"),
                        InstanceMethod<&QuicServer::Address>("address"),
                        InstanceMethod<&QuicServer::Stats>("stats"),
                        InstanceMethod<&QuicServer::Respond>("respond"),
                        InstanceMethod<&QuicServer::Push>("push"),
                        InstanceMethod<&QuicServer::Cancel>("cancel"),
                        InstanceMethod<&QuicServer::Consume>("consume"),
                        InstanceMethod<&QuicServer::StopReading>("stopReading"),
                        InstanceMethod<&QuicServer::ConnectionStats>("connStats"),
                        InstanceMethod<&QuicServer::Goaway>("goaway"),
                        InstanceMethod<&QuicServer::ReloadCredentials>("reloadCredentials"),
                        InstanceMethod<&QuicServer::SetTicketKeys>("setTicketKeys"),
                        InstanceMethod<&QuicServer::SetEarlyData>("setEarlyData"),
                        InstanceMethod<&QuicServer::Keep>("keep"),
                        InstanceMethod<&QuicServer::ForgetKept>("forgetKept"),
                        InstanceMethod<&QuicServer::Close>("close")});
  }

  /** new QuicServer(options, onEvents(flat: [kind, conn, stream, a, b, ...], count)) */
  explicit QuicServer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<QuicServer>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      throw_type_error(env, "new QuicServer(options, onEvent)");
      return;
    }
    const Napi::Object o = info[0].As<Napi::Object>();
    ServerOptions opts;
    opts.host = option_string(o, "host");
    opts.port = static_cast<uint16_t>(option_u64(o, "port", 0));
    opts.cert_file = option_string(o, "certFile");
    opts.key_file = option_string(o, "keyFile");
    opts.ticket_key = buffer_bytes(o.Get("ticketKey"));
    opts.previous_ticket_key = buffer_bytes(o.Get("previousTicketKey"));
    opts.token_secret = buffer_bytes(o.Get("tokenSecret"));
    opts.early_data = option_bool(o, "earlyData", opts.early_data);
    opts.max_idle_timeout_ms = option_u64(o, "maxIdleTimeoutMs", opts.max_idle_timeout_ms);
    opts.handshake_timeout_ms = option_u64(o, "handshakeTimeoutMs", opts.handshake_timeout_ms);
    opts.max_streams_bidi = option_u64(o, "maxStreamsBidi", opts.max_streams_bidi);
    opts.max_header_bytes = option_u64(o, "maxHeaderBytes", opts.max_header_bytes);
    opts.retry = option_bool(o, "retry", opts.retry);
    opts.retry_half_open_threshold = option_u64(o, "retryHalfOpenThreshold", opts.retry_half_open_threshold);
    opts.reuse_port = option_bool(o, "reusePort", opts.reuse_port);
    opts.replay_store_fd = static_cast<int>(o.Get("replayStoreFd").IsNumber() ? o.Get("replayStoreFd").As<Napi::Number>().Int32Value() : -1);
    opts.max_connections = option_u64(o, "maxConnections", opts.max_connections);
    opts.max_connections_per_address = option_u64(o, "maxConnectionsPerAddress", opts.max_connections_per_address);
    opts.max_handshakes = option_u64(o, "maxHandshakes", opts.max_handshakes);
    opts.max_handshakes_per_address = option_u64(o, "maxHandshakesPerAddress", opts.max_handshakes_per_address);
    if (Napi::Value guard = o.Get("mapGuard"); guard.IsExternal()) {
      const auto* g = guard.As<Napi::External<MapGuard>>().Data();
      if (g == nullptr || g->version != MapGuard::kVersion) {
        throw_type_error(env, "mapGuard is not the mmap addon's guard (version mismatch)");
        return;
      }
      opts.map_guard = g;
    }
    opts.initial_window_packets = option_u64(o, "initialWindowPackets", opts.initial_window_packets);
    opts.early_data_window_ms = option_u64(o, "earlyDataWindowSec", opts.early_data_window_ms / 1000) * 1000;
    opts.careful_resume = option_bool(o, "carefulResume", opts.careful_resume);
    opts.qlog_dir = option_string(o, "qlogDir");
    if (Napi::Value ratio = o.Get("qlogSampleRatio"); ratio.IsNumber()) opts.qlog_sample_ratio = ratio.As<Napi::Number>().DoubleValue();
    if (const std::string cc = option_string(o, "congestionControl"); !cc.empty()) {
      if (!parse_cc_algo(cc, &opts.cc_algo)) {
        throw_type_error(env, "congestionControl must be one of reno, cubic, bbr, bbr2");
        return;
      }
    }
    std::vector<std::string> kept_fields;
    if (Napi::Value names = o.Get("keptRequestFields"); names.IsArray()) {
      const auto list = names.As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); ++i) {
        if (Napi::Value name = list.Get(i); name.IsString()) kept_fields.push_back(name.As<Napi::String>().Utf8Value());
      }
    }
    on_event_ = Napi::Persistent(info[1].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "h3edge:quic");
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    server_ = std::make_unique<Server>(loop, std::move(opts), this);
    server_->kept().set_request_fields(std::move(kept_fields));
  }

  /**
   * Hands JavaScript every event of one pump round in one call: a flat array of (kind, conn,
   * stream, a, b) and how many entries it holds. One call per round, not per event: each call
   * into JavaScript runs the microtask queue and the async hooks.
   */
  void deliver(std::vector<Event>& events) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Array flat = Napi::Array::New(env, (events.size() + 1) * 5);
    uint32_t n = 0;
    KeptBatch kept(env);
    for (Event& ev : events) {
      if (ev.kind == EventKind::KeptClose) {
        if (ev.kept) kept.add(ev);
        continue;
      }
      Napi::Value a = env.Undefined();
      Napi::Value b = env.Undefined();
      switch (ev.kind) {
        case EventKind::Request: {
          Connection* conn = server_->find(ev.conn);
          RequestStream* s = conn != nullptr ? conn->h3().find(ev.stream) : nullptr;
          if (s == nullptr) continue;  // closed before JavaScript heard of it
          s->delivered = true;
          a = request_tuple(env, *conn, *s, ev.flag);
          b = announce(env, *conn);
          break;
        }
        case EventKind::Data:
          a = Napi::Buffer<uint8_t>::Copy(env, ev.data.data(), ev.data.size());
          break;
        case EventKind::Replay: {
          Connection* conn = server_->find(ev.conn);
          if (conn != nullptr) b = connection_object(env, *conn);
          break;
        }
        case EventKind::CarefulResume: {
          a = Napi::String::New(env, careful_resume_outcome_name(static_cast<CarefulResumeOutcome>(ev.code)));
          Connection* conn = server_->find(ev.conn);
          if (conn != nullptr) b = connection_object(env, *conn);
          break;
        }
        case EventKind::Refused: {
          Connection* conn = server_->find(ev.conn);
          a = Napi::Number::New(env, static_cast<double>(ev.code));
          if (conn != nullptr) b = connection_object(env, *conn);
          break;
        }
        case EventKind::StreamClose:
          a = Napi::Boolean::New(env, ev.flag);
          b = env.Null();
          if (ev.urgency >= 0) {
            Napi::Object p = Napi::Object::New(env);
            p.Set("urgency", static_cast<double>(ev.urgency));
            p.Set("incremental", ev.incremental);
            p.Set("chosenBy", ev.priority_by_client ? "client" : "server");
            b = p;
          }
          break;
        case EventKind::ConnClose: {
          ConnStats st;
          st.rtt_ms = ev.stats[0];
          st.cwnd_bytes = static_cast<uint64_t>(ev.stats[1]);
          st.lost_packets = static_cast<uint64_t>(ev.stats[2]);
          st.sent_bytes = static_cast<uint64_t>(ev.stats[3]);
          st.recv_bytes = static_cast<uint64_t>(ev.stats[4]);
          st.max_udp_payload_bytes = static_cast<uint64_t>(ev.stats[5]);
          st.first_flight_packets = static_cast<uint64_t>(ev.stats[6]);
          st.bandwidth_bytes_per_sec = static_cast<uint64_t>(ev.stats[7]);
          st.careful_resume = static_cast<CarefulResumeOutcome>(ev.stats[8]);
          a = conn_stats_object(env, st);
          break;
        }
        default:
          break;
      }
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(ev.kind)));
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(ev.conn)));
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(ev.stream)));
      flat.Set(n++, a);
      flat.Set(n++, b);
    }
    if (kept.size() > 0) {
      // The round's kept answers as one entry: (KeptBatch, answers, kept answers still in flight,
      // [records, addresses], numbers) — see KeptBatch.
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(KEPT_BATCH)));
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(kept.size())));
      flat.Set(n++, Napi::Number::New(env, static_cast<double>(server_->kept().in_flight)));
      flat.Set(n++, kept.names());
      flat.Set(n++, kept.numbers());
    }
    if (n == 0) return;
    on_event_.MakeCallback(Value(), {flat, Napi::Number::New(env, n)}, *async_);
    if (env.IsExceptionPending()) {
      // An exception from an event handler is the process's to deal with, as with any emitter.
      Napi::Error err = env.GetAndClearPendingException();
      napi_fatal_exception(env, err.Value());
    }
  }

 private:
  Napi::Value Listen(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string err;
    if (listening_ || !server_->listen(&err)) {
      Napi::Error e = Napi::Error::New(env, listening_ ? "already listening" : err);
      // Bind failures carry the errno name (EADDRINUSE, EACCES…), others a code of their own.
      const int errnum = server_->socket().open_errno();
      const char* name = errnum != 0 ? strerrorname_np(errnum) : nullptr;
      e.Set("code", Napi::String::New(env, name != nullptr ? name : (listening_ ? "EALREADY" : "ESETUP")));
      e.ThrowAsJavaScriptException();
      return env.Undefined();
    }
    listening_ = true;
    Ref();  // the socket keeps this object alive until close() completes
    return env.Undefined();
  }

  Napi::Value Address(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const Addr& local = server_->local_address();
    Napi::Object o = Napi::Object::New(env);
    o.Set("address", local.host());
    o.Set("port", static_cast<double>(local.port()));
    o.Set("family", local.family() == AF_INET6 ? "IPv6" : "IPv4");
    return o;
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const ServerStats& st = server_->stats();
    Napi::Object o = Napi::Object::New(env);
    o.Set("connections", static_cast<double>(server_->connection_count()));
    o.Set("earlyDataAccepted", static_cast<double>(st.early_data_accepted));
    o.Set("earlyDataRejected", static_cast<double>(st.early_data_rejected));
    o.Set("earlyDataReplays", static_cast<double>(st.early_data_replays));
    o.Set("handshakes", static_cast<double>(st.handshakes));
    o.Set("resumed", static_cast<double>(st.resumed));
    o.Set("retriesSent", static_cast<double>(st.retries_sent));
    o.Set("statelessResetsSent", static_cast<double>(st.stateless_resets_sent));
    Napi::Object tokens = Napi::Object::New(env);
    tokens.Set("valid", static_cast<double>(st.tokens_valid));
    tokens.Set("invalid", static_cast<double>(st.tokens_invalid));
    tokens.Set("absent", static_cast<double>(st.tokens_absent));
    o.Set("tokens", tokens);
    o.Set("headerSectionsRefused", static_cast<double>(st.header_sections_refused));
    o.Set("headerSectionsReset", static_cast<double>(st.header_sections_reset));
    o.Set("handshaking", static_cast<double>(server_->handshaking()));
    Napi::Object refused = Napi::Object::New(env);
    refused.Set("connections", static_cast<double>(st.refused_connections));
    refused.Set("connectionsPerAddress", static_cast<double>(st.refused_connections_per_address));
    refused.Set("handshakes", static_cast<double>(st.refused_handshakes));
    refused.Set("handshakesPerAddress", static_cast<double>(st.refused_handshakes_per_address));
    o.Set("refused", refused);
    o.Set("qlogsWritten", static_cast<double>(st.qlogs_written));
    o.Set("qlogFailures", static_cast<double>(st.qlog_failures));
    Napi::Object careful_resume = Napi::Object::New(env);
    for (int i = 1; i < kCarefulResumeOutcomes; ++i) {
      careful_resume.Set(careful_resume_outcome_name(static_cast<CarefulResumeOutcome>(i)), static_cast<double>(st.careful_resume[i]));
    }
    o.Set("carefulResume", careful_resume);
    Napi::Object kept = Napi::Object::New(env);
    kept.Set("entries", static_cast<double>(server_->kept().size()));
    kept.Set("inFlight", static_cast<double>(server_->kept().in_flight));
    kept.Set("answered", static_cast<double>(server_->kept().answered));
    o.Set("kept", kept);
    return o;
  }

  /**
   * respond(conn, stream, status, fieldCount, fields, body: Buffer|null, streaming, urgency, incremental[, overClient])
   * `fields` is every name and value each followed by a NUL: one string crosses, not two per
   * field. A NUL inside a name or value shows as a count other than `fieldCount`: refused.
   */
  Napi::Value Respond(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 9 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() ||
        !info[3].IsNumber() || !info[4].IsString()) {
      return throw_type_error(env, "respond(conn, stream, status, fieldCount, fields, body, streaming, urgency, incremental[, overClient])");
    }
    Http3* h3 = find_h3(info[0]);
    if (h3 == nullptr) return Napi::Boolean::New(env, false);
    ResponseSpec spec;
    spec.status = info[2].As<Napi::Number>().Uint32Value();
    std::string err;
    if (!split_fields(info[4].As<Napi::String>().Utf8Value(), info[3].As<Napi::Number>().Uint32Value(), &spec.headers, &err)) {
      return throw_type_error(env, err);
    }
    spec.streaming = info[6].ToBoolean().Value();
    if (info[5].IsBuffer()) {
      auto buf = info[5].As<Napi::Buffer<uint8_t>>();
      spec.has_body = true;
      spec.body = BodyChunk{JsRef(env, buf), buf.Data(), buf.Length()};
    } else {
      spec.has_body = spec.streaming;
    }
    spec.urgency = info[7].IsNumber() ? info[7].As<Napi::Number>().Int32Value() : -1;
    spec.incremental = info[8].ToBoolean().Value();
    spec.over_client = info.Length() > 9 && info[9].ToBoolean().Value();
    const bool ok = h3->respond(static_cast<int64_t>(info[1].As<Napi::Number>().Int64Value()), std::move(spec), &err);
    if (!err.empty()) return throw_type_error(env, err);
    return Napi::Boolean::New(env, ok);
  }

  /** push(conn, stream, chunk: Buffer|null) -> more wanted now; null ends the body */
  Napi::Value Push(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber()) {
      return throw_type_error(env, "push(conn, stream, chunk)");
    }
    Http3* h3 = find_h3(info[0]);
    if (h3 == nullptr) return Napi::Boolean::New(env, false);
    BodyChunk chunk;
    const bool eof = !info[2].IsBuffer();
    if (!eof) {
      auto buf = info[2].As<Napi::Buffer<uint8_t>>();
      chunk = BodyChunk{JsRef(env, buf), buf.Data(), buf.Length()};
    }
    bool alive = false;
    const bool more = h3->push(static_cast<int64_t>(info[1].As<Napi::Number>().Int64Value()), std::move(chunk), eof, &alive);
    return Napi::Boolean::New(env, more);
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "cancel(conn, stream)");
    Http3* h3 = find_h3(info[0]);
    if (h3 == nullptr) return Napi::Boolean::New(env, false);
    return Napi::Boolean::New(env, h3->cancel(static_cast<int64_t>(info[1].As<Napi::Number>().Int64Value())));
  }

  /** consume(conn, stream, bytes): JavaScript read this much request body; its credit goes back. */
  Napi::Value Consume(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber()) {
      return throw_type_error(env, "consume(conn, stream, bytes)");
    }
    Http3* h3 = find_h3(info[0]);
    if (h3 != nullptr) {
      h3->consume_body(static_cast<int64_t>(info[1].As<Napi::Number>().Int64Value()),
                       static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value()));
    }
    return env.Undefined();
  }

  /** stopReading(conn, stream): the rest of the request body is refused (STOP_SENDING). */
  Napi::Value StopReading(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "stopReading(conn, stream)");
    Http3* h3 = find_h3(info[0]);
    if (h3 == nullptr) return Napi::Boolean::New(env, false);
    return Napi::Boolean::New(env, h3->stop_reading(static_cast<int64_t>(info[1].As<Napi::Number>().Int64Value())));
  }

  Napi::Value ConnectionStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "connStats(conn)");
    Connection* conn = server_->find(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    if (conn == nullptr) return env.Null();
    return conn_stats_object(env, conn->stats());
  }

  Napi::Value Goaway(const Napi::CallbackInfo& info) {
    if (listening_ && !closed_) server_->goaway(info.Length() > 0 && info[0].ToBoolean().Value());
    return info.Env().Undefined();
  }

  /** reloadCredentials(certFile, keyFile): new connections get these; throws with the GnuTLS reason. */
  Napi::Value ReloadCredentials(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) return throw_type_error(env, "reloadCredentials(certFile, keyFile)");
    std::string err;
    if (!server_->tls().reload_credentials(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), &err)) {
      Napi::Error::New(env, err).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  /**
   * setTicketKeys(current: Buffer, previous: Buffer|null): new handshakes issue tickets under
   * `current`; tickets under `previous` still resume. Copies both. Throws with the GnuTLS reason.
   */
  Napi::Value SetTicketKeys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsBuffer() || !(info[1].IsBuffer() || info[1].IsNull())) {
      return throw_type_error(env, "setTicketKeys(current, previous | null)");
    }
    if (!listening_) return throw_type_error(env, "setTicketKeys before listen");
    std::vector<uint8_t> current = buffer_bytes(info[0]);
    std::vector<uint8_t> previous = buffer_bytes(info[1]);
    std::string err;
    const bool ok = server_->tls().set_ticket_keys(current, previous, &err);
    gnutls_memset(current.data(), 0, current.size());
    gnutls_memset(previous.data(), 0, previous.size());
    if (!ok) Napi::Error::New(env, err).ThrowAsJavaScriptException();
    return env.Undefined();
  }

  /** setEarlyData(on: boolean): handshakes from now on accept 0-RTT or refuse it (open connections keep theirs). */
  Napi::Value SetEarlyData(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsBoolean()) return throw_type_error(env, "setEarlyData(on)");
    if (!listening_) return throw_type_error(env, "setEarlyData before listen");
    server_->tls().set_early_data(info[0].As<Napi::Boolean>().Value());
    return env.Undefined();
  }

  /**
   * keep(authority, target, status, fieldCount, fields, body, urgency, incremental, ttlMs,
   *      pathField, pathBefore, pathAfter, record) -> kept
   * Requests for `target` at `authority` that the table accepts (kept_answers.h) get this
   * response for `ttlMs` without JavaScript; each one's KeptClose hands `record` back. `fields`
   * as respond() takes them; `pathField` '' for none. False when the table is full.
   */
  Napi::Value Keep(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 13 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsNumber() ||
        !info[4].IsString() || !info[5].IsBuffer() || !info[6].IsNumber() || !info[8].IsNumber() || !info[9].IsString() ||
        !info[10].IsString() || !info[11].IsString()) {
      return throw_type_error(env, "keep(authority, target, status, fieldCount, fields, body, urgency, incremental, ttlMs, pathField, pathBefore, pathAfter, record)");
    }
    if (!listening_ || closed_) return Napi::Boolean::New(env, false);
    auto r = std::make_shared<KeptResponse>();
    const uint32_t status = info[2].As<Napi::Number>().Uint32Value();
    if (status < 200 || status > 599) return throw_type_error(env, "status must be a final status code (200-599)");
    r->status = std::to_string(status);
    std::string err;
    if (!split_fields(info[4].As<Napi::String>().Utf8Value(), info[3].As<Napi::Number>().Uint32Value(), &r->headers, &err)) {
      return throw_type_error(env, err);
    }
    for (const auto& [name, value] : r->headers) {
      if (!valid_response_field(name, value, &err)) return throw_type_error(env, err);
    }
    r->path_field = info[9].As<Napi::String>().Utf8Value();
    r->path_before = info[10].As<Napi::String>().Utf8Value();
    r->path_after = info[11].As<Napi::String>().Utf8Value();
    if (!r->path_field.empty() && !valid_response_field(r->path_field, r->path_before + r->path_after, &err)) return throw_type_error(env, err);
    const int32_t urgency = info[6].As<Napi::Number>().Int32Value();
    if (urgency > NGHTTP3_URGENCY_LOW) return throw_type_error(env, "priority urgency must be 0-7");
    r->urgency = urgency;
    r->incremental = info[7].ToBoolean().Value();
    auto body = info[5].As<Napi::Buffer<uint8_t>>();
    r->body_owner = JsRef(env, body);
    r->data = body.Data();
    r->len = body.Length();
    r->record = JsRef(env, info[12]);
    const int64_t ttl_ms = info[8].As<Napi::Number>().Int64Value();
    if (ttl_ms <= 0 || ttl_ms > 60000) return throw_type_error(env, "ttlMs must be 1-60000");
    const uint64_t now = now_ns();
    r->expires_ns = now + static_cast<uint64_t>(ttl_ms) * 1000000;
    const bool kept = server_->kept().keep(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value(), std::move(r), now);
    return Napi::Boolean::New(env, kept);
  }

  /** forgetKept(): no kept answer is given from now on (a reload changed what answers are). */
  Napi::Value ForgetKept(const Napi::CallbackInfo& info) {
    server_->kept().clear();
    return info.Env().Undefined();
  }

  /** close(done): every connection is closed now; done() runs when the socket is released. */
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsFunction()) return throw_type_error(env, "close(done)");
    if (!listening_ || closed_) {
      info[0].As<Napi::Function>().Call({});
      return env.Undefined();
    }
    closed_ = true;
    on_closed_ = Napi::Persistent(info[0].As<Napi::Function>());
    server_->close([this]() {
      Napi::Env e = Env();
      Napi::HandleScope scope(e);
      Napi::FunctionReference done = std::move(on_closed_);
      done.MakeCallback(Value(), {}, *async_);
      if (e.IsExceptionPending()) napi_fatal_exception(e, e.GetAndClearPendingException().Value());
      Unref();
    });
    return env.Undefined();
  }

  Http3* find_h3(const Napi::Value& conn_value) {
    if (!listening_ || closed_) return nullptr;
    Connection* conn = server_->find(static_cast<uint64_t>(conn_value.As<Napi::Number>().Int64Value()));
    if (conn == nullptr || conn->state() != Connection::State::Open) return nullptr;
    return &conn->h3();
  }

  /**
   * A request head as quic.ts decodes it: [method, path, authority, scheme, fields, earlyData,
   * fin, urgency (-1: the client said nothing), incremental]. `fields` is every name and value
   * joined by NULs (nghttp3 lets no NUL into either; a field that had one would be left out).
   */
  Napi::Array request_tuple(Napi::Env env, Connection& conn, const RequestStream& s, bool fin) {
    std::string fields;
    for (const auto& [name, value] : s.headers) {
      if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) continue;
      if (!fields.empty()) fields.push_back('\0');
      fields.append(name).push_back('\0');
      fields.append(value);
    }
    // The client's RFC 9218 signal: a Priority field, or a PRIORITY_UPDATE nghttp3 applied.
    nghttp3_pri pri{NGHTTP3_DEFAULT_URGENCY, 0};
    nghttp3_conn_get_stream_priority(conn.h3().native(), &pri, s.id);
    const bool signalled = s.priority_header || pri.urgency != NGHTTP3_DEFAULT_URGENCY || pri.inc != 0;
    Napi::Array t = Napi::Array::New(env, 9);
    t.Set(0u, s.method);
    t.Set(1u, s.path);
    t.Set(2u, s.authority);
    t.Set(3u, s.scheme);
    t.Set(4u, fields);
    t.Set(5u, s.early);
    t.Set(6u, fin);
    t.Set(7u, signalled ? static_cast<double>(pri.urgency) : -1.0);
    t.Set(8u, pri.inc != 0);
    return t;
  }

  /**
   * The connection of a request: [id, remoteAddress, remotePort, resumed, earlyDataAccepted] the
   * first time JavaScript hears of it, then [resumed, earlyDataAccepted] (they settle during the
   * handshake).
   */
  Napi::Array announce(Napi::Env env, Connection& conn) {
    const bool first = !conn.announced;
    conn.announced = true;
    Napi::Array t = Napi::Array::New(env, first ? 5 : 2);
    uint32_t i = 0;
    if (first) {
      t.Set(i++, conn.id());
      t.Set(i++, conn.remote().host());
      t.Set(i++, static_cast<double>(conn.remote().port()));
    }
    t.Set(i++, conn.tls().resumed());
    t.Set(i++, conn.tls().early_data_accepted());
    return t;
  }

  Napi::Object connection_object(Napi::Env env, Connection& conn) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", conn.id());
    o.Set("remoteAddress", conn.remote().host());
    o.Set("remotePort", static_cast<double>(conn.remote().port()));
    o.Set("resumed", conn.tls().resumed());
    o.Set("earlyDataAccepted", conn.tls().early_data_accepted());
    return o;
  }

  std::unique_ptr<Server> server_;
  Napi::FunctionReference on_event_;
  Napi::FunctionReference on_closed_;
  std::unique_ptr<Napi::AsyncContext> async_;
  bool listening_ = false;
  bool closed_ = false;
};

/** createReplayStore() -> fd: a node's shared 0-RTT anti-replay table, for the primary to hand its workers. */
Napi::Value CreateReplayStore(const Napi::CallbackInfo& info) {
  std::string err;
  const int fd = ReplayStore::create_shared(&err);
  if (fd < 0) {
    Napi::Error::New(info.Env(), err).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), fd);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("QuicServer", QuicServer::Define(env));
  exports.Set("createReplayStore", Napi::Function::New(env, CreateReplayStore, "createReplayStore"));
  return exports;
}

}  // namespace h3edge

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return h3edge::Init(env, exports); }

NODE_API_MODULE(h3edge_quic, InitModule)
