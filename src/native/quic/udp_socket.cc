#include "udp_socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace h3edge {

namespace {

std::string errno_text(const std::string& what, int err) {
  const char* name = strerrorname_np(err);
  return what + ": " + (name != nullptr ? name : "EIO") + ": " + strerror(err);
}

void set_int(int fd, int level, int name, int value) { setsockopt(fd, level, name, &value, sizeof(value)); }

uint8_t ecn_of(const msghdr& msg) {
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(const_cast<msghdr*>(&msg), cm)) {
    if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS && cm->cmsg_len != 0) {
      return *CMSG_DATA(cm) & 0x3;
    }
    if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS && cm->cmsg_len != 0) {
      int tclass = 0;
      std::memcpy(&tclass, CMSG_DATA(cm), sizeof(tclass));
      return static_cast<uint8_t>(tclass & 0x3);
    }
  }
  return 0;
}

// The destination address the peer used: with a wildcard bind it is the address to answer from.
bool destination_of(const msghdr& msg, const Addr& bound, Addr* out) {
  *out = bound;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(const_cast<msghdr*>(&msg), cm)) {
    if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO && bound.family() == AF_INET) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(cm), sizeof(info));
      reinterpret_cast<sockaddr_in*>(&out->storage)->sin_addr = info.ipi_addr;
      return true;
    }
    if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO && bound.family() == AF_INET6) {
      in6_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(cm), sizeof(info));
      reinterpret_cast<sockaddr_in6*>(&out->storage)->sin6_addr = info.ipi6_addr;
      return true;
    }
  }
  return !bound.is_wildcard();
}

}  // namespace

UdpSocket::~UdpSocket() { close(); }

void UdpSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool UdpSocket::open(const ServerOptions& opts, std::string* err) {
  const std::string where = opts.host + ":" + std::to_string(opts.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(opts.port);
  if (int rv = getaddrinfo(opts.host.c_str(), port.c_str(), &hints, &res); rv != 0) {
    *err = "resolve " + where + ": " + gai_strerror(rv);
    return false;
  }
  const int family = res->ai_family;
  Addr bind_addr;
  bind_addr.set(res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);

  fd_ = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0) {
    open_errno_ = errno;
    *err = errno_text("socket " + where, errno);
    return false;
  }
  if (opts.reuse_port) set_int(fd_, SOL_SOCKET, SO_REUSEPORT, 1);
  if (family == AF_INET6) {
    set_int(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    set_int(fd_, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    // Probe: set DF but let QUIC's own PMTU discovery (RFC 9000 §14.3) decide packet sizes.
    set_int(fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
  } else {
    set_int(fd_, IPPROTO_IP, IP_PKTINFO, 1);
    set_int(fd_, IPPROTO_IP, IP_RECVTOS, 1);
    set_int(fd_, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
  }
  // Bulk downloads keep many datagrams in flight; best effort, capped by net.core.*mem_max.
  set_int(fd_, SOL_SOCKET, SO_SNDBUF, 4 << 20);
  set_int(fd_, SOL_SOCKET, SO_RCVBUF, 4 << 20);
  if (bind(fd_, bind_addr.sa(), bind_addr.len) != 0) {
    open_errno_ = errno;
    *err = errno_text("bind " + where, errno);
    close();
    return false;
  }
  local_.len = sizeof(local_.storage);
  if (getsockname(fd_, local_.sa(), &local_.len) != 0) {
    open_errno_ = errno;
    *err = errno_text("getsockname " + where, errno);
    close();
    return false;
  }
  int gso = 0;
  socklen_t gso_len = sizeof(gso);
  tx_.set_gso(getsockopt(fd_, SOL_UDP, UDP_SEGMENT, &gso, &gso_len) == 0);
  tx_.set_pktinfo(local_.is_wildcard());
  return true;
}

size_t UdpSocket::receive(std::array<RecvPacket, kBatch>& out) {
  mmsghdr hdrs[kBatch];
  iovec iovs[kBatch];
  sockaddr_storage names[kBatch];
  alignas(cmsghdr) uint8_t control[kBatch][CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo))];
  for (size_t i = 0; i < kBatch; ++i) {
    iovs[i].iov_base = bufs_[i].data();
    iovs[i].iov_len = bufs_[i].size();
    msghdr& h = hdrs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &names[i];
    h.msg_namelen = sizeof(names[i]);
    h.msg_iov = &iovs[i];
    h.msg_iovlen = 1;
    h.msg_control = control[i];
    h.msg_controllen = sizeof(control[i]);
  }
  int n;
  do {
    n = recvmmsg(fd_, hdrs, kBatch, 0, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  size_t count = 0;
  for (int i = 0; i < n; ++i) {
    const msghdr& h = hdrs[i].msg_hdr;
    if ((h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || hdrs[i].msg_len == 0) continue;
    RecvPacket& p = out[count];
    if (!destination_of(h, local_, &p.local)) continue;
    p.remote.set(reinterpret_cast<const sockaddr*>(&names[i]), h.msg_namelen);
    p.ecn = ecn_of(h);
    p.data = bufs_[static_cast<size_t>(i)].data();
    p.len = hdrs[i].msg_len;
    ++count;
  }
  return count;
}

}  // namespace h3edge
