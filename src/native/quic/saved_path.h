// Careful Resume's saved state (RFC 9959 §4.1: saved_cwnd, saved_rtt), carried by the client in
// the NEW_TOKEN token, after the regular token that proves its address:
//   token = ngtcp2 regular token (NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN) || sealed saved path
//   sealed = version (1) || nonce (12) || AES-128-GCM(issued ms, cwnd bytes, min RTT ns) || tag (16)
// with the client's IP address (not its port) as associated data. Why the token and not the
// session ticket: GnuTLS has no API for a server to put bytes of its own into a TLS 1.3 ticket,
// and a ticket is issued once after the handshake, before the window has grown, whereas NEW_TOKEN
// frames can be sent at any time (RFC 9000 §19.7) and the client keeps the latest. The key
// derives from the token secret, which every worker of a node shares, so any worker can read it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <sys/socket.h>

#include "secrets.h"

namespace h3edge {

/** What a connection learnt about its path, to start the next one from. */
struct SavedPath {
  uint64_t cwnd_bytes = 0;
  uint64_t min_rtt_ns = 0;
  uint64_t issued_ms = 0;  // wall clock
};

/** How a presented saved path was judged (the outcomes h3edge_quic_careful_resume_total counts). */
enum class SavedPathCheck { Ok, Expired, Invalid };

class SavedPathSeal {
 public:
  // RFC 9959 §4.1.1: saved state must not be used after it may have become stale; the regular
  // token that carries it lives as long.
  static constexpr uint64_t kLifetimeMs = 3600 * 1000;
  static constexpr size_t kSealedBytes = 1 + 12 + 24 + 16;
  // Saved windows are clamped to this (a sane bound even for an authentic blob).
  static constexpr uint64_t kMaxCwndBytes = 64ull * 1024 * 1024;

  bool init(const Secrets& secrets);
  /** Appends the sealed `path` for a client at `remote` to `out`; false if encryption failed. */
  bool seal(const SavedPath& path, const sockaddr* remote, std::vector<uint8_t>* out) const;
  /** Opens a sealed saved path presented from `remote` at wall-clock `now_ms`. */
  SavedPathCheck open(const uint8_t* sealed, size_t len, const sockaddr* remote, uint64_t now_ms, SavedPath* path) const;

 private:
  std::array<uint8_t, 32> key_{};
};

}  // namespace h3edge
