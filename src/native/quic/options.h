// Server settings as the TypeScript wrapper passes them (src/native/quic.ts validates them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <ngtcp2/ngtcp2.h>

#include "../common/map_guard.h"

namespace h3edge {

struct ServerOptions {
  std::string host;
  uint16_t port = 0;
  std::string cert_file;
  std::string key_file;
  // Session-ticket keys new tickets are issued under (empty: random, this server only) and the
  // ones they replaced (empty: none), still accepted.
  std::vector<uint8_t> ticket_key;
  std::vector<uint8_t> previous_ticket_key;
  // Seed of stateless-reset, Retry and NEW_TOKEN tokens, shared by workers and never rotated
  // (see secrets.h); empty means random for this server only.
  std::vector<uint8_t> token_secret;
  bool early_data = true;
  uint64_t max_idle_timeout_ms = 30000;
  uint64_t handshake_timeout_ms = 10000;
  uint64_t max_streams_bidi = 100;
  uint64_t max_header_bytes = 16384;
  // Always ask for address validation (Retry) before creating connection state.
  bool retry = false;
  // Above this many connections still in their handshake, new ones must pass a Retry first.
  uint64_t retry_half_open_threshold = 256;
  bool reuse_port = false;
  // Caps on connection state (a worker's share of the node's): connections in total and per
  // client address, handshakes in progress in total and per client address. New connections
  // beyond them are refused with CONNECTION_CLOSE (CONNECTION_REFUSED) and no state.
  uint64_t max_connections = 50000;
  uint64_t max_connections_per_address = 1000;
  uint64_t max_handshakes = 512;
  uint64_t max_handshakes_per_address = 32;
  // The mmap addon's guard: response bodies read from a mapping whose file lost its pages are
  // reset instead of sent (nullptr: no mapped bodies are checked).
  const MapGuard* map_guard = nullptr;
  // The node's shared 0-RTT anti-replay table (ReplayStore::create_shared in the primary,
  // inherited by workers); -1: a table of this process only.
  int replay_store_fd = -1;
  // BBR by default: random (non-congestive) loss does not shrink its window as it does CUBIC's.
  ngtcp2_cc_algo cc_algo = NGTCP2_CC_ALGO_BBR;
  // Initial congestion window in packets; 0: RFC 9002's (10 packets at the first packet size).
  uint64_t initial_window_packets = 0;
  // GnuTLS's anti-replay window: tickets issued before its last rollover get no 0-RTT.
  uint64_t early_data_window_ms = 600000;
  // Careful Resume (RFC 9959): save the path's window and RTT in NEW_TOKEN tokens and jump-start
  // returning clients' connections from them (careful_resume.h).
  bool careful_resume = false;
  // One qlog file per connection in this directory (empty: none), for this share of connections.
  std::string qlog_dir;
  double qlog_sample_ratio = 1;
};

}  // namespace h3edge
