// Datagrams whose connection ID matches no connection: new connections (with Retry address
// validation when asked for or when too many handshakes are pending), version negotiation,
// and stateless resets for connections this server no longer has (RFC 9000 §§5.2, 6, 8.1, 10.3).
#include <algorithm>
#include <array>
#include <cstring>

#include <ngtcp2/ngtcp2_crypto.h>

#include "connection.h"
#include "server.h"

namespace h3edge {

namespace {
// RFC 9000 §10.3: a reset must not be larger than what triggered it, and at least 21 bytes;
// shorter triggers get nothing (that also ends reset loops between two endpoints).
constexpr size_t kMinResetTrigger = 41;
constexpr size_t kMaxResetLen = 40;
constexpr uint32_t kMaxResetsPerSecond = 100;
}  // namespace

void Acceptor::handle(const RecvPacket& p) {
  ngtcp2_version_cid vc;
  const int rv = ngtcp2_pkt_decode_version_cid(&vc, p.data, p.len, kScidLen);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    send_version_negotiation(p, vc);
    return;
  }
  if (rv != 0) return;
  if ((p.data[0] & 0x80) == 0) {
    send_stateless_reset(p, vc.dcid, vc.dcidlen);
    return;
  }
  ngtcp2_pkt_hd hd;
  // Only a full-sized client Initial may create state (0-RTT that overtook its Initial is
  // dropped; the client sends it again).
  if (ngtcp2_accept(&hd, p.data, p.len) != 0) return;
  if (server_.shutting_down() || server_.closing_) return;

  const bool must_validate = needs_retry();
  ngtcp2_cid ocid;
  const ngtcp2_cid* pocid = nullptr;
  bool validated = false;
  if (hd.tokenlen == 0) ++server_.stats().tokens_absent;
  size_t tokenlen = hd.tokenlen;
  if (hd.tokenlen > 0) {
    switch (hd.token[0]) {
      case NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY:
        if (!server_.secrets().verify_retry_token(&ocid, hd.token, hd.tokenlen, hd.version, p.remote.sa(), p.remote.len,
                                                  hd.dcid)) {
          send_close(p, hd, NGTCP2_INVALID_TOKEN);  // RFC 9000 §8.1.3: a bad Retry token ends it
          return;
        }
        pocid = &ocid;
        validated = true;
        break;
      case NGTCP2_CRYPTO_TOKEN_MAGIC_REGULAR:
        // A NEW_TOKEN token is a regular token, possibly followed by a saved path (saved_path.h).
        tokenlen = std::min<size_t>(hd.tokenlen, NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN);
        validated = server_.secrets().verify_regular_token(hd.token, tokenlen, p.remote.sa(), p.remote.len);
        ++(validated ? server_.stats().tokens_valid : server_.stats().tokens_invalid);
        break;
      default:
        ++server_.stats().tokens_invalid;
        break;
    }
  }
  if (!validated && must_validate) {
    send_retry(p, hd);
    return;
  }
  // The caps hold for clients that answer Retry too: beyond them, a refusal and no state.
  if (server_.admit(p.remote) != Refusal::None) {
    send_close(p, hd, NGTCP2_CONNECTION_REFUSED);
    return;
  }
  create(p, hd, pocid, validated, tokenlen);
}

bool Acceptor::needs_retry() const {
  return server_.options().retry || server_.handshaking() >= server_.options().retry_half_open_threshold;
}

void Acceptor::create(const RecvPacket& p, const ngtcp2_pkt_hd& hd, const ngtcp2_cid* ocid, bool validated,
                      size_t tokenlen) {
  const uint64_t serial = server_.next_serial_++;
  auto conn = std::make_unique<Connection>(server_, serial);
  // A token that proved the address lifts the 3x amplification limit (RFC 9000 §8.1); any
  // other token is not passed on, so ngtcp2 keeps enforcing it.
  // The whole token, saved path included: ngtcp2 drops later Initials whose token differs from it.
  if (!conn->init(p, hd, ocid, validated ? hd.token : nullptr, validated ? hd.tokenlen : 0)) return;
  if (tokenlen < hd.tokenlen) conn->offer_saved_path(hd.token + tokenlen, hd.tokenlen - tokenlen, validated);
  Connection* c = conn.get();
  server_.conns_.emplace(serial, std::move(conn));
  server_.count_in(c);
  const Connection::ReadResult r = c->read(p);
  if (r == Connection::ReadResult::Retry) send_retry(p, hd);
  if (c->state() == Connection::State::Dead) {
    server_.remove(c);
    return;
  }
  server_.by_cid_[cid_key(hd.dcid.data, hd.dcid.datalen)] = c;
  ngtcp2_conn* quic = c->quic();
  std::vector<ngtcp2_cid> scids(ngtcp2_conn_get_scid(quic, nullptr));
  ngtcp2_conn_get_scid(quic, scids.data());
  for (const ngtcp2_cid& cid : scids) server_.associate(cid, c);
  server_.mark_dirty(c);
}

void Acceptor::send_retry(const RecvPacket& p, const ngtcp2_pkt_hd& hd) {
  ngtcp2_cid scid;
  scid.datalen = kScidLen;
  if (!random_bytes(scid.data, scid.datalen)) return;
  std::array<uint8_t, NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN> token;
  const ngtcp2_ssize tokenlen =
      server_.secrets().retry_token(token.data(), hd.version, p.remote.sa(), p.remote.len, scid, hd.dcid);
  if (tokenlen < 0) return;
  std::array<uint8_t, NGTCP2_MAX_UDP_PAYLOAD_SIZE> buf;
  // RFC 9000 §8.1: never more than three times what the unvalidated client sent.
  const size_t limit = std::min(buf.size(), p.len * 3);
  const ngtcp2_ssize n = ngtcp2_crypto_write_retry(buf.data(), limit, hd.version, &hd.scid, &scid, &hd.dcid,
                                                   token.data(), static_cast<size_t>(tokenlen));
  if (n <= 0) return;
  send_raw(p, buf.data(), static_cast<size_t>(n));
  ++server_.stats_.retries_sent;
}

void Acceptor::send_close(const RecvPacket& p, const ngtcp2_pkt_hd& hd, uint64_t error_code) {
  std::array<uint8_t, NGTCP2_MAX_UDP_PAYLOAD_SIZE> buf;
  const ngtcp2_ssize n = ngtcp2_crypto_write_connection_close(buf.data(), std::min(buf.size(), p.len * 3),
                                                              hd.version, &hd.scid, &hd.dcid,
                                                              error_code, nullptr, 0);
  if (n > 0) send_raw(p, buf.data(), static_cast<size_t>(n));
}

void Acceptor::send_version_negotiation(const RecvPacket& p, const ngtcp2_version_cid& vc) {
  // RFC 9000 §6.1: only in answer to a datagram large enough to be a client's first flight.
  if (p.len < NGTCP2_MAX_UDP_PAYLOAD_SIZE) return;
  const uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
  std::array<uint8_t, NGTCP2_MAX_UDP_PAYLOAD_SIZE> buf;
  uint8_t unused = 0;
  random_bytes(&unused, 1);
  const ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(buf.data(), buf.size(), unused, vc.scid, vc.scidlen,
                                                              vc.dcid, vc.dcidlen, versions, 1);
  if (n > 0) send_raw(p, buf.data(), static_cast<size_t>(n));
}

void Acceptor::send_stateless_reset(const RecvPacket& p, const uint8_t* dcid, size_t dcidlen) {
  if (p.len < kMinResetTrigger || dcidlen != kScidLen) return;
  const uint64_t second = now_ns() / NGTCP2_SECONDS;
  if (second != server_.reset_window_start_) {
    server_.reset_window_start_ = second;
    server_.resets_in_window_ = 0;
  }
  if (++server_.resets_in_window_ > kMaxResetsPerSecond) return;
  ngtcp2_cid cid;
  ngtcp2_cid_init(&cid, dcid, dcidlen);
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (!server_.secrets().reset_token(token, cid)) return;
  const size_t len = std::min(kMaxResetLen, p.len - 1);
  uint8_t rand[kMaxResetLen];
  const size_t randlen = len - NGTCP2_STATELESS_RESET_TOKENLEN - 1;
  if (!random_bytes(rand, randlen)) return;
  std::array<uint8_t, kMaxResetLen> buf;
  const ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(buf.data(), buf.size(), token, rand, randlen);
  if (n <= 0) return;
  send_raw(p, buf.data(), static_cast<size_t>(n));
  ++server_.stats_.stateless_resets_sent;
}

void Acceptor::send_raw(const RecvPacket& p, const uint8_t* data, size_t len) {
  TxQueue& tx = server_.socket().tx();
  uint8_t* dest = tx.reserve(len);
  if (dest == nullptr) {
    if (server_.socket().flush() == TxQueue::Flush::Blocked) return;  // dropped, like any lost datagram
    dest = tx.reserve(len);
    if (dest == nullptr) return;
  }
  std::memcpy(dest, data, len);
  Addr local = p.local;
  Addr remote = p.remote;
  const ngtcp2_path path{local.as_ngtcp2(), remote.as_ngtcp2(), nullptr};
  tx.commit(path, 0, len, true);
}

}  // namespace h3edge
