// Time, randomness and the server's static secret: connection IDs, stateless-reset tokens,
// Retry and NEW_TOKEN tokens all derive from it. When a token secret is configured the secret is
// derived from it, so every worker sharing it can verify the others' tokens and reset their
// connections statelessly (RFC 9000 §10.3) after a rebinding lands a packet elsewhere. It is
// apart from the session-ticket keys and never rotates: a client holds a connection's reset
// token for the connection's whole life and a NEW_TOKEN token for an hour.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <ngtcp2/ngtcp2.h>

namespace h3edge {

// Server-chosen connection IDs are this long; short-header packets are parsed with it.
constexpr size_t kScidLen = 18;

/** Monotonic clock in nanoseconds, the time base of every ngtcp2 call. */
ngtcp2_tstamp now_ns();
/** Wall clock in nanoseconds: tokens must stay valid across processes. */
ngtcp2_tstamp wall_ns();
/** Cryptographically secure random bytes; false only if GnuTLS's generator failed. */
bool random_bytes(uint8_t* dest, size_t len);

class Secrets {
 public:
  /** seed empty: a random secret for this server only. */
  bool init(const std::vector<uint8_t>& seed);

  bool reset_token(uint8_t* token, const ngtcp2_cid& cid) const;
  /** Returns the token length, or -1. */
  ngtcp2_ssize retry_token(uint8_t* token, uint32_t version, const sockaddr* remote, socklen_t remote_len,
                           const ngtcp2_cid& retry_scid, const ngtcp2_cid& odcid) const;
  bool verify_retry_token(ngtcp2_cid* odcid, const uint8_t* token, size_t tokenlen, uint32_t version, const sockaddr* remote,
                          socklen_t remote_len, const ngtcp2_cid& dcid) const;
  ngtcp2_ssize regular_token(uint8_t* token, const sockaddr* remote, socklen_t remote_len) const;
  bool verify_regular_token(const uint8_t* token, size_t tokenlen, const sockaddr* remote, socklen_t remote_len) const;
  /** A 32-byte key for `purpose` (HMAC-SHA256 of it under the secret): shared by workers as the secret is. */
  bool derive_key(const char* purpose, std::array<uint8_t, 32>* out) const;

 private:
  std::array<uint8_t, 32> secret_{};
};

}  // namespace h3edge
