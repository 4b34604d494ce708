// How fast one connection's packets leave (RFC 9002 §7.7): ngtcp2's pacing, capped while the
// library's own rate is not a real one yet.
#pragma once

#include <cstddef>
#include <cstdint>

#include <ngtcp2/ngtcp2.h>

namespace h3edge {

struct Pacing {
  double rate = 0;          // bytes per nanosecond
  double library_rate = 0;  // what ngtcp2 spaces bursts by
  size_t burst_packets = 1;

  /** Wait to add after a burst of `bytes`, beyond the spacing ngtcp2 computes at its own rate. */
  ngtcp2_duration extra_wait(uint64_t bytes) const;
};

class Pacer {
 public:
  /** `initial_rate` is the connection's pacing rate as ngtcp2 set it up (0 for CUBIC and Reno). */
  explicit Pacer(double initial_rate = 0) : initial_rate_(initial_rate) {}

  /** Pacing for the next write, from the connection's state and ngtcp2's send quantum. */
  Pacing next(const ngtcp2_conn_stat& cs, size_t max_udp_payload, size_t send_quantum);

 private:
  double initial_rate_;
  double startup_rate_ = 0;
};

}  // namespace h3edge
