// Outgoing datagrams, batched: connections write QUIC packets straight into one arena, runs of
// equal-sized packets to the same peer become one UDP GSO message (UDP_SEGMENT), and all
// messages leave in as few sendmmsg calls as possible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <ngtcp2/ngtcp2.h>

#include "addr.h"

namespace h3edge {

struct TxMessage {
  Addr remote;
  Addr local;
  uint8_t ecn = 0;
  size_t offset = 0;   // into the arena
  size_t len = 0;      // all segments
  size_t segment = 0;  // GSO segment size (the first packet's size)
  size_t count = 0;    // packets in this message
  bool open = false;   // may take more equal-sized packets
};

class TxQueue {
 public:
  enum class Flush { Done, Blocked };

  TxQueue();
  TxQueue(const TxQueue&) = delete;
  TxQueue& operator=(const TxQueue&) = delete;

  void set_gso(bool on) { gso_ = on; }
  bool gso() const { return gso_; }
  void set_pktinfo(bool on) { pktinfo_ = on; }

  /** Room for one packet of up to max_len bytes at the arena's end, or nullptr (flush first). */
  uint8_t* reserve(size_t max_len);
  /**
   * Takes the len bytes just written at reserve()'s pointer. `standalone` keeps the packet out
   * of GSO runs (PMTU probes are larger than the packets around them).
   */
  void commit(const ngtcp2_path& path, uint8_t ecn, size_t len, bool standalone);
  /** Sends everything it can; Blocked means the socket buffer is full (poll for writable). */
  Flush flush(int fd);
  bool empty() const { return first_ == msgs_.size(); }

  uint64_t datagrams_sent() const { return datagrams_sent_; }

 private:
  void compact();
  void split_gso_messages();

  std::unique_ptr<uint8_t[]> arena_;
  size_t tail_ = 0;
  std::vector<TxMessage> msgs_;
  size_t first_ = 0;  // first message not yet sent
  bool gso_ = false;
  bool pktinfo_ = false;
  uint64_t datagrams_sent_ = 0;
};

}  // namespace h3edge
