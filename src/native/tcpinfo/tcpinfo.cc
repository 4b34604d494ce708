// What the kernel knows about a TCP connection's sending side, read with getsockopt(TCP_INFO).
//
// sendState(fd) returns the few fields a sender needs to keep its own queue short: bytes the
// kernel holds but has not sent yet (tcpi_notsent_bytes), packets in flight, the congestion
// window, the MSS and the pacing rate; and what it measured of the path: the smoothed RTT and
// the latest delivery rate (CMSD's estimated throughput). Node has no API for this; the caller passes the file
// descriptor of a TCP socket it owns. Every failure (EBADF, ENOTSOCK, a non-TCP socket) is a
// JS exception carrying errno text; nothing here keeps state or touches the socket otherwise.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <linux/tcp.h>  // the kernel's struct tcp_info; glibc's copy stops before tcpi_pacing_rate
#include <string>
#include <sys/socket.h>

#include "../common/errno_error.h"

namespace {

Napi::Value SendState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "sendState(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  struct tcp_info ti {};
  socklen_t len = sizeof(ti);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) {
    h3edge::ErrnoError(env, errno, "getsockopt(TCP_INFO)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // Older kernels return a shorter struct: fields past `len` stay zero, which callers treat
  // as "unknown" (tcpi_notsent_bytes arrived in Linux 4.6, tcpi_pacing_rate in 3.15).
  Napi::Object out = Napi::Object::New(env);
  out.Set("notsentBytes", Napi::Number::New(env, static_cast<double>(ti.tcpi_notsent_bytes)));
  out.Set("unackedPackets", Napi::Number::New(env, static_cast<double>(ti.tcpi_unacked)));
  out.Set("cwndPackets", Napi::Number::New(env, static_cast<double>(ti.tcpi_snd_cwnd)));
  out.Set("mssBytes", Napi::Number::New(env, static_cast<double>(ti.tcpi_snd_mss)));
  out.Set("pacingRateBytesPerSec", Napi::Number::New(env, static_cast<double>(ti.tcpi_pacing_rate)));
  out.Set("rttUs", Napi::Number::New(env, static_cast<double>(ti.tcpi_rtt)));
  // The rate of the latest delivery sample (Linux 4.9), and whether the sender was
  // application-limited then (a player idling between segments): such a sample only bounds the
  // path's rate from below.
  out.Set("deliveryRateBytesPerSec", Napi::Number::New(env, static_cast<double>(ti.tcpi_delivery_rate)));
  out.Set("deliveryRateAppLimited", Napi::Boolean::New(env, ti.tcpi_delivery_rate_app_limited != 0));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("sendState", Napi::Function::New(env, SendState, "sendState"));
  return exports;
}

}  // namespace

NODE_API_MODULE(h3edge_tcpinfo, Init)
