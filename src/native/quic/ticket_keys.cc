#include "ticket_keys.h"

#include <cstring>

#include <gnutls/crypto.h>

#include "gnutls_error.h"

namespace h3edge {

namespace {

constexpr size_t kKeyNameBytes = 16;
// GnuTLS's period of ticket-encryption keys, in units of the ticket lifetime.
constexpr uint64_t kPeriodLifetimes = 3;

// GnuTLS wants exactly its master-key size (64 bytes): SHA-512 of the key and the binding.
bool derive_master(const std::vector<uint8_t>& key, const std::vector<uint8_t>& binding, std::array<uint8_t, 64>* out,
                   std::string* err) {
  std::vector<uint8_t> input(key);
  input.insert(input.end(), binding.begin(), binding.end());
  const int rv = gnutls_hash_fast(GNUTLS_DIG_SHA512, input.data(), input.size(), out->data());
  gnutls_memset(input.data(), 0, input.size());
  if (rv != 0) *err = gnutls_message("ticket key derivation", rv);
  return rv == 0;
}

bool random_master(const std::vector<uint8_t>& binding, std::array<uint8_t, 64>* out, std::string* err) {
  gnutls_datum_t fresh{nullptr, 0};
  if (int rv = gnutls_session_ticket_key_generate(&fresh); rv != 0) {
    *err = gnutls_message("gnutls_session_ticket_key_generate", rv);
    return false;
  }
  std::vector<uint8_t> key(fresh.data, fresh.data + fresh.size);
  gnutls_memset(fresh.data, 0, fresh.size);
  gnutls_free(fresh.data);
  const bool ok = derive_master(key, binding, out, err);
  gnutls_memset(key.data(), 0, key.size());
  return ok;
}

// The name of the key GnuTLS encrypts tickets with during `period` (lib/stek.c since 3.6.4:
// SHA3-512 over the big-endian period number and the master; the name is its first 16 bytes).
bool key_name_matches(const std::array<uint8_t, 64>& master, uint64_t period, const uint8_t* name) {
  std::array<uint8_t, 8 + 64> input{};
  for (int i = 0; i < 8; ++i) input[i] = static_cast<uint8_t>(period >> (56 - 8 * i));
  std::memcpy(input.data() + 8, master.data(), master.size());
  std::array<uint8_t, 64> key{};
  const bool ok = gnutls_hash_fast(GNUTLS_DIG_SHA3_512, input.data(), input.size(), key.data()) == 0 &&
                  std::memcmp(key.data(), name, kKeyNameBytes) == 0;
  gnutls_memset(input.data(), 0, input.size());
  gnutls_memset(key.data(), 0, key.size());
  return ok;
}

}  // namespace

TicketKeys::~TicketKeys() {
  gnutls_memset(current_.data(), 0, current_.size());
  gnutls_memset(previous_.data(), 0, previous_.size());
}

bool TicketKeys::set(const std::vector<uint8_t>& current, const std::vector<uint8_t>& previous,
                     const std::vector<uint8_t>& binding, std::string* err) {
  Master fresh_current{};
  Master fresh_previous{};
  const bool ok = (current.empty() ? random_master(binding, &fresh_current, err)
                                   : derive_master(current, binding, &fresh_current, err)) &&
                  (previous.empty() || derive_master(previous, binding, &fresh_previous, err));
  if (ok) {
    current_ = fresh_current;
    previous_ = fresh_previous;
    has_previous_ = !previous.empty();
  }
  gnutls_memset(fresh_current.data(), 0, fresh_current.size());
  gnutls_memset(fresh_previous.data(), 0, fresh_previous.size());
  return ok;
}

const std::array<uint8_t, 64>* TicketKeys::previous_for(const uint8_t* ticket, size_t len, time_t now) const {
  if (!has_previous_ || len < kKeyNameBytes || now <= 0) return nullptr;
  // GnuTLS decrypts tickets of its current and its previous period.
  const uint64_t period = static_cast<uint64_t>(now) / (kPeriodLifetimes * kTicketLifetimeSec);
  for (uint64_t p : {period, period - 1}) {
    if (key_name_matches(previous_, p, ticket)) return &previous_;
  }
  return nullptr;
}

}  // namespace h3edge
