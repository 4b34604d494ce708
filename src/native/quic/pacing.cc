#include "pacing.h"

#include <algorithm>

namespace h3edge {

namespace {
// ngtcp2 0.12's BBR (v1 and v2) starts at its startup gain × the initial window per
// *millisecond*, and keeps that rate until its bandwidth estimate × gain is higher: below
// ~300 Mbit/s its startup is not paced at all. Each round's window then leaves at once and the
// connection sits with a full window until the ACKs return, so a manifest asked for in that gap
// waits most of a round trip. (ngtcp2 1.11 uses the SRTT instead of 1 ms.) While that first rate
// stands we pace at twice cwnd per SRTT, Linux TCP's slow-start pacing ratio, and as BBR does in
// startup never lower than before; once BBR sets a rate of its own, it is used as it is.
constexpr double kStartupCwndGain = 2.0;
// A burst is at most this many packets, and at least ngtcp2's minimum send quantum when capped.
constexpr size_t kMaxBurstPackets = 64;
constexpr size_t kMinCappedBurstPackets = 10;
}  // namespace

ngtcp2_duration Pacing::extra_wait(uint64_t bytes) const {
  if (rate >= library_rate || rate <= 0) return 0;
  const double b = static_cast<double>(bytes);
  return static_cast<ngtcp2_duration>(b / rate - b / library_rate);
}

Pacing Pacer::next(const ngtcp2_conn_stat& cs, size_t max_udp_payload, size_t send_quantum) {
  Pacing p;
  const double srtt = static_cast<double>(std::max<ngtcp2_duration>(cs.smoothed_rtt, 1));
  // As ngtcp2_conn_update_pkt_tx_time: the congestion controller's rate, else 1.25 × cwnd per SRTT.
  p.library_rate = cs.pacing_rate > 0 ? cs.pacing_rate : 1.25 * static_cast<double>(cs.cwnd) / srtt;
  p.rate = p.library_rate;
  p.burst_packets = std::clamp<size_t>(send_quantum / max_udp_payload, 1, kMaxBurstPackets);
  const bool first_rate = initial_rate_ > 0 && cs.pacing_rate == initial_rate_;
  // Before the first RTT sample the SRTT is only the configured guess.
  if (!first_rate || cs.first_rtt_sample_ts == UINT64_MAX) {
    startup_rate_ = 0;
    return p;
  }
  startup_rate_ = std::max(startup_rate_, kStartupCwndGain * static_cast<double>(cs.cwnd) / srtt);
  if (startup_rate_ >= p.library_rate) return p;
  p.rate = startup_rate_;
  // The burst is a millisecond's worth at that rate, as ngtcp2 sizes its send quantum.
  const size_t per_ms = static_cast<size_t>(p.rate * static_cast<double>(NGTCP2_MILLISECONDS)) / max_udp_payload;
  p.burst_packets = std::clamp<size_t>(per_ms, kMinCappedBurstPackets, kMaxBurstPackets);
  return p;
}

}  // namespace h3edge
