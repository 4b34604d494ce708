#include "saved_path.h"

#include <algorithm>
#include <cstring>

#include <gnutls/crypto.h>
#include <netinet/in.h>

namespace h3edge {

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kPlainBytes = 24;

// Associated data: the version and the client's IP address (its port may change between connections).
size_t address_aad(const sockaddr* remote, uint8_t* out) {
  out[0] = kVersion;
  if (remote->sa_family == AF_INET) {
    std::memcpy(out + 1, &reinterpret_cast<const sockaddr_in*>(remote)->sin_addr, 4);
    return 5;
  }
  if (remote->sa_family == AF_INET6) {
    std::memcpy(out + 1, &reinterpret_cast<const sockaddr_in6*>(remote)->sin6_addr, 16);
    return 17;
  }
  return 1;
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// A cipher handle per call: sealing happens a few times per connection at most.
gnutls_aead_cipher_hd_t open_cipher(const std::array<uint8_t, 32>& key) {
  gnutls_datum_t k{const_cast<uint8_t*>(key.data()), 16};
  gnutls_aead_cipher_hd_t hd = nullptr;
  if (gnutls_aead_cipher_init(&hd, GNUTLS_CIPHER_AES_128_GCM, &k) != 0) return nullptr;
  return hd;
}

}  // namespace

bool SavedPathSeal::init(const Secrets& secrets) { return secrets.derive_key("h3edge careful resume saved path", &key_); }

bool SavedPathSeal::seal(const SavedPath& path, const sockaddr* remote, std::vector<uint8_t>* out) const {
  uint8_t plain[kPlainBytes];
  put_u64(plain, path.issued_ms);
  put_u64(plain + 8, path.cwnd_bytes);
  put_u64(plain + 16, path.min_rtt_ns);
  uint8_t aad[17];
  const size_t aadlen = address_aad(remote, aad);
  std::array<uint8_t, kSealedBytes> sealed{};
  sealed[0] = kVersion;
  if (!random_bytes(sealed.data() + 1, kNonceBytes)) return false;
  gnutls_aead_cipher_hd_t hd = open_cipher(key_);
  if (hd == nullptr) return false;
  size_t ctlen = kPlainBytes + kTagBytes;
  const int rv = gnutls_aead_cipher_encrypt(hd, sealed.data() + 1, kNonceBytes, aad, aadlen, kTagBytes, plain, kPlainBytes,
                                            sealed.data() + 1 + kNonceBytes, &ctlen);
  gnutls_aead_cipher_deinit(hd);
  if (rv != 0 || ctlen != kPlainBytes + kTagBytes) return false;
  out->insert(out->end(), sealed.begin(), sealed.end());
  return true;
}

SavedPathCheck SavedPathSeal::open(const uint8_t* sealed, size_t len, const sockaddr* remote, uint64_t now_ms,
                                   SavedPath* path) const {
  if (len != kSealedBytes || sealed[0] != kVersion) return SavedPathCheck::Invalid;
  uint8_t aad[17];
  const size_t aadlen = address_aad(remote, aad);
  gnutls_aead_cipher_hd_t hd = open_cipher(key_);
  if (hd == nullptr) return SavedPathCheck::Invalid;
  uint8_t plain[kPlainBytes];
  size_t plainlen = sizeof(plain);
  const int rv = gnutls_aead_cipher_decrypt(hd, sealed + 1, kNonceBytes, aad, aadlen, kTagBytes, sealed + 1 + kNonceBytes,
                                            kPlainBytes + kTagBytes, plain, &plainlen);
  gnutls_aead_cipher_deinit(hd);
  // A forged, altered or truncated blob, or one sealed for another address.
  if (rv != 0 || plainlen != kPlainBytes) return SavedPathCheck::Invalid;
  path->issued_ms = get_u64(plain);
  path->cwnd_bytes = std::min(get_u64(plain + 8), kMaxCwndBytes);
  path->min_rtt_ns = get_u64(plain + 16);
  if (path->min_rtt_ns == 0) return SavedPathCheck::Invalid;
  if (path->issued_ms > now_ms + 60 * 1000 || now_ms - path->issued_ms > kLifetimeMs) return SavedPathCheck::Expired;
  return SavedPathCheck::Ok;
}

}  // namespace h3edge
