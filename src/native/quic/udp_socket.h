// The server's UDP socket: bind with the options QUIC needs (PMTU probing, ECN and
// destination-address reporting), batched receive with recvmmsg, batched send via TxQueue.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

#include "addr.h"
#include "options.h"
#include "tx_queue.h"

namespace h3edge {

struct RecvPacket {
  Addr local;
  Addr remote;
  uint8_t ecn = 0;
  const uint8_t* data = nullptr;
  size_t len = 0;
};

class UdpSocket {
 public:
  static constexpr size_t kBatch = 64;
  // Our max_udp_payload_size transport parameter; larger datagrams are truncated and dropped.
  static constexpr size_t kMaxDatagram = 2048;

  UdpSocket() = default;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  /** Binds; on failure `err` reads like "bind 127.0.0.1:443: EADDRINUSE: Address already in use". */
  bool open(const ServerOptions& opts, std::string* err);
  /** The errno of the system call that made open() fail (0 when it was not one). */
  int open_errno() const { return open_errno_; }
  void close();
  int fd() const { return fd_; }
  const Addr& local() const { return local_; }

  /**
   * Reads up to kBatch datagrams into `out` (pointing into this socket's buffers, valid until
   * the next call). Returns the count; 0 when nothing is waiting.
   */
  size_t receive(std::array<RecvPacket, kBatch>& out);

  TxQueue& tx() { return tx_; }
  TxQueue::Flush flush() { return tx_.flush(fd_); }

 private:
  int fd_ = -1;
  int open_errno_ = 0;
  Addr local_;
  TxQueue tx_;
  std::array<std::array<uint8_t, kMaxDatagram>, kBatch> bufs_{};
};

}  // namespace h3edge
