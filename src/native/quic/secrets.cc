#include "secrets.h"

#include <ctime>
#include <cstring>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

namespace h3edge {

namespace {
// A Retry token proves the address for one handshake only; a NEW_TOKEN token for a later one.
constexpr ngtcp2_duration kRetryTokenLifetime = 10 * NGTCP2_SECONDS;
constexpr ngtcp2_duration kRegularTokenLifetime = 3600 * NGTCP2_SECONDS;
}  // namespace

ngtcp2_tstamp now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<ngtcp2_tstamp>(ts.tv_sec) * NGTCP2_SECONDS + static_cast<ngtcp2_tstamp>(ts.tv_nsec);
}

ngtcp2_tstamp wall_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<ngtcp2_tstamp>(ts.tv_sec) * NGTCP2_SECONDS + static_cast<ngtcp2_tstamp>(ts.tv_nsec);
}

bool random_bytes(uint8_t* dest, size_t len) { return gnutls_rnd(GNUTLS_RND_RANDOM, dest, len) == 0; }

bool Secrets::init(const std::vector<uint8_t>& seed) {
  if (seed.empty()) return random_bytes(secret_.data(), secret_.size());
  static const char kLabel[] = "h3edge quic static secret";
  std::vector<uint8_t> input(kLabel, kLabel + sizeof(kLabel) - 1);
  input.insert(input.end(), seed.begin(), seed.end());
  return gnutls_hash_fast(GNUTLS_DIG_SHA256, input.data(), input.size(), secret_.data()) == 0;
}

bool Secrets::reset_token(uint8_t* token, const ngtcp2_cid& cid) const {
  return ngtcp2_crypto_generate_stateless_reset_token(token, secret_.data(), secret_.size(), &cid) == 0;
}

ngtcp2_ssize Secrets::retry_token(uint8_t* token, uint32_t version, const sockaddr* remote, socklen_t remote_len,
                                  const ngtcp2_cid& retry_scid, const ngtcp2_cid& odcid) const {
  return ngtcp2_crypto_generate_retry_token(token, secret_.data(), secret_.size(), version, remote, remote_len,
                                            &retry_scid, &odcid, wall_ns());
}

bool Secrets::verify_retry_token(ngtcp2_cid* odcid, const uint8_t* token, size_t tokenlen, uint32_t version,
                                 const sockaddr* remote, socklen_t remote_len, const ngtcp2_cid& dcid) const {
  return ngtcp2_crypto_verify_retry_token(odcid, token, tokenlen, secret_.data(), secret_.size(), version,
                                          remote, remote_len, &dcid, kRetryTokenLifetime, wall_ns()) == 0;
}

ngtcp2_ssize Secrets::regular_token(uint8_t* token, const sockaddr* remote, socklen_t remote_len) const {
  return ngtcp2_crypto_generate_regular_token(token, secret_.data(), secret_.size(), remote, remote_len,
                                              wall_ns());
}

bool Secrets::verify_regular_token(const uint8_t* token, size_t tokenlen, const sockaddr* remote, socklen_t remote_len) const {
  return ngtcp2_crypto_verify_regular_token(token, tokenlen, secret_.data(), secret_.size(), remote,
                                            remote_len, kRegularTokenLifetime, wall_ns()) == 0;
}

bool Secrets::derive_key(const char* purpose, std::array<uint8_t, 32>* out) const {
  return gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret_.data(), secret_.size(), purpose, std::strlen(purpose), out->data()) == 0;
}

}  // namespace h3edge
