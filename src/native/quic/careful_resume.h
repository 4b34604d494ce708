// Careful Resume (RFC 9959, draft-ietf-tsvwg-careful-resume) for one connection: from a saved
// path (saved_path.h) whose RTT the connection's first sample confirms, the congestion window
// jumps to half the saved one, paced over one RTT, until the jump is validated by
// acknowledgements; loss on the way retreats to half of what was acknowledged (never below
// the window before the jump). Drives ngtcp2's controller from outside through our patch
// (scripts/quic-libs/ngtcp2-careful-resume.patch): ngtcp2_conn_set_cwnd and
// ngtcp2_conn_get_cc_progress. Owned by its Connection, freed with it.
#pragma once

#include <cstdint>

#include <ngtcp2/ngtcp2.h>

#include "saved_path.h"

namespace h3edge {

/** Outcomes, as h3edge_quic_careful_resume_total's label values (careful_resume_outcome_name). */
enum class CarefulResumeOutcome : uint8_t {
  None = 0,
  Applied = 1,      // the window jumped
  RttMismatch = 2,  // the first RTT sample is not the saved path's: no jump
  NoState = 3,      // a resumed TLS session without a saved path
  Expired = 4,      // a saved path older than its lifetime
  Invalid = 5,      // a saved path that fails authentication (tampered, another address)
  SafeRetreat = 6,  // loss after the jump: back to half the acknowledged bytes
  Congested = 7,    // loss before the first RTT sample: no jump
};
constexpr int kCarefulResumeOutcomes = 8;
const char* careful_resume_outcome_name(CarefulResumeOutcome o);

class CarefulResume {
 public:
  // RFC 9959 §3 phases; Off: no saved path was offered.
  enum class Phase { Off, Reconnaissance, Unvalidated, Validating, SafeRetreat, Normal };

  /** A valid saved path arrived with the client's first Initial: Reconnaissance starts. */
  void offer(const SavedPath& saved);
  /**
   * After ngtcp2 processed packets or wrote some: moves through the phases and sets the
   * window when one begins. Returns the outcome that just happened, else None.
   */
  CarefulResumeOutcome update(ngtcp2_conn* conn);
  Phase phase() const { return phase_; }
  /** Whether the window is the controller's own (no jump pending or being validated). */
  bool settled() const { return phase_ == Phase::Off || phase_ == Phase::Normal; }

 private:
  CarefulResumeOutcome retreat(ngtcp2_conn* conn, const ngtcp2_conn_info& ci, uint64_t delivered, uint64_t lost);

  Phase phase_ = Phase::Off;
  SavedPath saved_{};
  uint64_t lost_at_offer_ = 0;
  // At the jump: bytes delivered and lost so far, the flight, and how many bytes had been sent
  // (delivered + lost + in flight), so "the first packet sent after the jump was acknowledged"
  // is "delivered + lost reached sent_at_jump_" (RFC 9959's first_unvalidated_packet).
  uint64_t delivered_at_jump_ = 0;
  uint64_t lost_at_jump_ = 0;
  uint64_t flight_at_jump_ = 0;
  uint64_t sent_at_jump_ = 0;
  uint64_t jump_cwnd_ = 0;
  uint64_t cwnd_before_jump_ = 0;
  // Bytes sent when Unvalidated ended (RFC 9959's last_unvalidated_packet, in bytes).
  uint64_t sent_at_validating_ = 0;
};

}  // namespace h3edge
