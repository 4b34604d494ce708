#include "careful_resume.h"

#include <algorithm>

namespace h3edge {

const char* careful_resume_outcome_name(CarefulResumeOutcome o) {
  switch (o) {
    case CarefulResumeOutcome::Applied: return "applied";
    case CarefulResumeOutcome::RttMismatch: return "rtt_mismatch";
    case CarefulResumeOutcome::NoState: return "no_state";
    case CarefulResumeOutcome::Expired: return "expired";
    case CarefulResumeOutcome::Invalid: return "invalid";
    case CarefulResumeOutcome::SafeRetreat: return "safe_retreat";
    case CarefulResumeOutcome::Congested: return "congested";
    case CarefulResumeOutcome::None: break;
  }
  return "none";
}

void CarefulResume::offer(const SavedPath& saved) {
  saved_ = saved;
  phase_ = Phase::Reconnaissance;
}

CarefulResumeOutcome CarefulResume::update(ngtcp2_conn* conn) {
  if (settled()) return CarefulResumeOutcome::None;
  ngtcp2_conn_info ci;
  ngtcp2_conn_get_conn_info(conn, &ci);
  uint64_t delivered = 0;
  uint64_t lost = 0;
  ngtcp2_conn_get_cc_progress(conn, &delivered, &lost);
  // A new path reset the controller's counts (connection migration): the saved path is not this one.
  if (phase_ != Phase::Reconnaissance && (delivered < delivered_at_jump_ || lost < lost_at_jump_)) {
    phase_ = Phase::Normal;
    return CarefulResumeOutcome::None;
  }
  const uint64_t resolved = delivered + lost;  // bytes acknowledged or declared lost
  const uint64_t sent = resolved + ci.bytes_in_flight;
  switch (phase_) {
    case Phase::Reconnaissance: {
      // §4.2: congestion before the path is confirmed: the saved state is not used.
      if (lost > lost_at_offer_) {
        phase_ = Phase::Normal;
        return CarefulResumeOutcome::Congested;
      }
      if (ci.min_rtt == UINT64_MAX || ci.min_rtt == 0) return CarefulResumeOutcome::None;  // no RTT sample yet
      // §4.2.2 confirmation: the current RTT must be at least half the saved one (else the
      // path, or its bottleneck, changed) and less than ten times it.
      const uint64_t rtt = ci.min_rtt;
      if (rtt < saved_.min_rtt_ns / 2 || rtt >= saved_.min_rtt_ns * 10) {
        phase_ = Phase::Normal;
        return CarefulResumeOutcome::RttMismatch;
      }
      // §4.3: jump_cwnd at most half the saved window; nothing to do if the window is already there.
      const uint64_t jump = saved_.cwnd_bytes / 2;
      if (jump <= ci.cwnd) {
        phase_ = Phase::Normal;
        return CarefulResumeOutcome::None;
      }
      delivered_at_jump_ = delivered;
      lost_at_jump_ = lost;
      flight_at_jump_ = ci.bytes_in_flight;
      sent_at_jump_ = sent;
      jump_cwnd_ = jump;
      cwnd_before_jump_ = ci.cwnd;
      // §4.3.1: paced, the jump window spread over the current RTT.
      ngtcp2_conn_set_cwnd(conn, jump, 0, std::max<uint64_t>(1, rtt / jump));
      phase_ = Phase::Unvalidated;
      return CarefulResumeOutcome::Applied;
    }
    case Phase::Unvalidated:
      if (lost > lost_at_jump_) return retreat(conn, ci, delivered, lost);
      // §4.3.2: Validating once the jump window has been sent or the first packet sent after
      // the jump was acknowledged; the window is then what is in flight, so nothing beyond the
      // unvalidated data leaves until acknowledgements say the path holds it.
      if (sent - sent_at_jump_ + flight_at_jump_ >= jump_cwnd_ || resolved > sent_at_jump_) {
        sent_at_validating_ = sent;
        ngtcp2_conn_set_cwnd(conn, std::max(ci.bytes_in_flight, cwnd_before_jump_), 0, 0);
        phase_ = Phase::Validating;
      }
      return CarefulResumeOutcome::None;
    case Phase::Validating:
      if (lost > lost_at_jump_) return retreat(conn, ci, delivered, lost);
      // §4.4: all unvalidated data acknowledged: the jump held.
      if (resolved >= sent_at_validating_) phase_ = Phase::Normal;
      return CarefulResumeOutcome::None;
    case Phase::SafeRetreat:
      // §4.5: until the last unvalidated packet is acknowledged (or lost), then Normal.
      if (resolved >= sent_at_validating_) phase_ = Phase::Normal;
      return CarefulResumeOutcome::None;
    case Phase::Off:
    case Phase::Normal:
      break;
  }
  return CarefulResumeOutcome::None;
}

CarefulResumeOutcome CarefulResume::retreat(ngtcp2_conn* conn, const ngtcp2_conn_info& ci, uint64_t delivered,
                                            uint64_t lost) {
  // §4.5: PipeSize is the flight at the jump plus what was acknowledged since; the window
  // drops to half of it (and the slow-start threshold with it), paced over the smoothed RTT.
  // Never below the window the connection had before the jump: loss detected in the first
  // round after it leaves a PipeSize of little more than the initial window, and random loss
  // (5 % on the bench's link) would otherwise leave the connection slower than one that never
  // jumped; the controller's own loss response still applies from there.
  const uint64_t pipe_size = flight_at_jump_ + (delivered - delivered_at_jump_);
  const uint64_t cwnd = std::max(pipe_size / 2, cwnd_before_jump_);
  const uint64_t rtt = ci.smoothed_rtt != 0 ? ci.smoothed_rtt : ci.min_rtt;
  ngtcp2_conn_set_cwnd(conn, cwnd, cwnd, std::max<uint64_t>(1, rtt / std::max<uint64_t>(cwnd, 1)));
  if (phase_ == Phase::Unvalidated) sent_at_validating_ = delivered + lost + ci.bytes_in_flight;
  phase_ = Phase::SafeRetreat;
  return CarefulResumeOutcome::SafeRetreat;
}

}  // namespace h3edge
