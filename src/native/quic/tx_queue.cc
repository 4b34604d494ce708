#include "tx_queue.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace h3edge {

namespace {
constexpr size_t kArenaBytes = 1 << 20;
constexpr size_t kMaxMessages = 128;
// Linux accepts at most 64 segments and a 64 KiB datagram chain per GSO send.
constexpr size_t kMaxSegments = 64;
constexpr size_t kMaxGsoBytes = 65000;
constexpr size_t kBatch = 64;
constexpr size_t kControlBytes =
    CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo));

bool same_addr(const Addr& a, const Addr& b) { return a.len == b.len && std::memcmp(&a.storage, &b.storage, a.len) == 0; }

size_t build_control(uint8_t* buf, const TxMessage& m, bool pktinfo) {
  msghdr fake{};
  fake.msg_control = buf;
  fake.msg_controllen = kControlBytes;
  std::memset(buf, 0, kControlBytes);
  size_t used = 0;
  cmsghdr* cm = CMSG_FIRSTHDR(&fake);
  if (m.count > 1) {
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    const uint16_t seg = static_cast<uint16_t>(m.segment);
    std::memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
    used += CMSG_SPACE(sizeof(uint16_t));
    cm = reinterpret_cast<cmsghdr*>(buf + used);
  }
  if (m.ecn != 0) {
    const int tos = m.ecn;
    const bool v6 = m.remote.family() == AF_INET6;
    cm->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
    cm->cmsg_type = v6 ? IPV6_TCLASS : IP_TOS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &tos, sizeof(tos));
    used += CMSG_SPACE(sizeof(int));
    cm = reinterpret_cast<cmsghdr*>(buf + used);
  }
  if (pktinfo && m.local.len != 0) {
    if (m.local.family() == AF_INET) {
      in_pktinfo info{};
      info.ipi_spec_dst = reinterpret_cast<const sockaddr_in*>(&m.local.storage)->sin_addr;
      cm->cmsg_level = IPPROTO_IP;
      cm->cmsg_type = IP_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof(info));
      std::memcpy(CMSG_DATA(cm), &info, sizeof(info));
      used += CMSG_SPACE(sizeof(info));
    } else {
      in6_pktinfo info{};
      info.ipi6_addr = reinterpret_cast<const sockaddr_in6*>(&m.local.storage)->sin6_addr;
      cm->cmsg_level = IPPROTO_IPV6;
      cm->cmsg_type = IPV6_PKTINFO;
      cm->cmsg_len = CMSG_LEN(sizeof(info));
      std::memcpy(CMSG_DATA(cm), &info, sizeof(info));
      used += CMSG_SPACE(sizeof(info));
    }
  }
  return used;
}

}  // namespace

TxQueue::TxQueue() : arena_(new uint8_t[kArenaBytes]) { msgs_.reserve(kMaxMessages); }

uint8_t* TxQueue::reserve(size_t max_len) {
  if (tail_ + max_len > kArenaBytes || msgs_.size() >= kMaxMessages) return nullptr;
  return arena_.get() + tail_;
}

void TxQueue::commit(const ngtcp2_path& path, uint8_t ecn, size_t len, bool standalone) {
  Addr remote;
  remote.set(path.remote.addr, path.remote.addrlen);
  Addr local;
  if (path.local.addrlen != 0) local.set(path.local.addr, path.local.addrlen);
  if (!msgs_.empty() && first_ < msgs_.size()) {
    TxMessage& last = msgs_.back();
    if (last.open && !standalone && len <= last.segment && last.ecn == ecn && last.count < kMaxSegments &&
        last.len + len <= kMaxGsoBytes && same_addr(last.remote, remote) && same_addr(last.local, local)) {
      last.len += len;
      ++last.count;
      // A shorter packet can only end a GSO run.
      if (len < last.segment) last.open = false;
      tail_ += len;
      return;
    }
    last.open = false;
  }
  TxMessage m;
  m.remote = remote;
  m.local = local;
  m.ecn = ecn;
  m.offset = tail_;
  m.len = len;
  m.segment = len;
  m.count = 1;
  m.open = gso_ && !standalone;
  msgs_.push_back(m);
  tail_ += len;
}

TxQueue::Flush TxQueue::flush(int fd) {
  mmsghdr hdrs[kBatch];
  iovec iovs[kBatch];
  alignas(cmsghdr) uint8_t control[kBatch][kControlBytes];
  while (first_ < msgs_.size()) {
    const size_t n = std::min(kBatch, msgs_.size() - first_);
    for (size_t i = 0; i < n; ++i) {
      TxMessage& m = msgs_[first_ + i];
      iovs[i].iov_base = arena_.get() + m.offset;
      iovs[i].iov_len = m.len;
      msghdr& h = hdrs[i].msg_hdr;
      h = msghdr{};
      h.msg_name = m.remote.sa();
      h.msg_namelen = m.remote.len;
      h.msg_iov = &iovs[i];
      h.msg_iovlen = 1;
      const size_t clen = build_control(control[i], m, pktinfo_);
      h.msg_control = clen != 0 ? control[i] : nullptr;
      h.msg_controllen = clen;
      hdrs[i].msg_len = 0;
    }
    const int sent = sendmmsg(fd, hdrs, static_cast<unsigned>(n), 0);
    if (sent > 0) {
      for (int i = 0; i < sent; ++i) datagrams_sent_ += msgs_[first_ + static_cast<size_t>(i)].count;
      first_ += static_cast<size_t>(sent);
      continue;
    }
    const int err = sent < 0 ? errno : EAGAIN;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
      compact();
      return Flush::Blocked;
    }
    if ((err == EIO || err == EINVAL) && msgs_[first_].count > 1) {
      // The kernel or the device refused segmentation offload: send packets one by one.
      gso_ = false;
      split_gso_messages();
      continue;
    }
    // Unreachable peer, message too big for the path (a PMTU probe) and the like: drop this
    // datagram; QUIC's loss recovery deals with it.
    ++first_;
  }
  msgs_.clear();
  first_ = 0;
  tail_ = 0;
  return Flush::Done;
}

void TxQueue::compact() {
  if (first_ == 0) return;
  const size_t start = msgs_[first_].offset;
  std::memmove(arena_.get(), arena_.get() + start, tail_ - start);
  tail_ -= start;
  msgs_.erase(msgs_.begin(), msgs_.begin() + static_cast<std::ptrdiff_t>(first_));
  first_ = 0;
  for (TxMessage& m : msgs_) m.offset -= start;
}

void TxQueue::split_gso_messages() {
  std::vector<TxMessage> split;
  split.reserve(msgs_.size());
  for (size_t i = first_; i < msgs_.size(); ++i) {
    const TxMessage& m = msgs_[i];
    for (size_t off = 0; off < m.len; off += m.segment) {
      TxMessage one = m;
      one.offset = m.offset + off;
      one.len = std::min(m.segment, m.len - off);
      one.segment = one.len;
      one.count = 1;
      one.open = false;
      split.push_back(one);
    }
  }
  msgs_ = std::move(split);
  first_ = 0;
}

}  // namespace h3edge
