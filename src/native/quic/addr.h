// Socket addresses as ngtcp2 paths want them, plus the text form JavaScript sees.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include <ngtcp2/ngtcp2.h>

namespace h3edge {

struct Addr {
  sockaddr_storage storage{};
  socklen_t len = 0;

  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage); }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }

  void set(const sockaddr* addr, socklen_t addrlen) {
    std::memcpy(&storage, addr, addrlen);
    len = addrlen;
  }
  ngtcp2_addr as_ngtcp2() { return ngtcp2_addr{sa(), len}; }

  uint16_t port() const {
    if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    return 0;
  }
  void set_port(uint16_t port) {
    if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
    if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
  }
  std::string host() const {
    char buf[INET6_ADDRSTRLEN] = "";
    if (family() == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof(buf));
    } else if (family() == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf, sizeof(buf));
    }
    return buf;
  }
  /** The address without its port, as raw bytes: a map key per client address. */
  std::string ip_key() const {
    if (family() == AF_INET) {
      const auto* a = &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr;
      return std::string(reinterpret_cast<const char*>(a), sizeof(*a));
    }
    if (family() == AF_INET6) {
      const auto* a = &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
      return std::string(reinterpret_cast<const char*>(a), sizeof(*a));
    }
    return std::string();
  }
  bool is_wildcard() const {
    if (family() == AF_INET) return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == INADDR_ANY;
    if (family() == AF_INET6) {
      return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
    }
    return false;
  }
  /**
   * Loopback, link-local or private (RFC 1918, RFC 4193): a peer on the same site, whose path may
   * carry jumbo frames; an Internet peer's does not. IPv4-mapped IPv6 counts as its IPv4 address.
   */
  bool is_site_local() const {
    if (family() == AF_INET) return ipv4_site_local(ntohl(reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr));
    if (family() != AF_INET6) return false;
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      uint32_t v4 = 0;
      std::memcpy(&v4, &a.s6_addr[12], sizeof(v4));
      return ipv4_site_local(ntohl(v4));
    }
    return IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a) || (a.s6_addr[0] & 0xfe) == 0xfc;
  }

 private:
  static bool ipv4_site_local(uint32_t a) {
    return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 || (a >> 16) == 0xa9fe;
  }
};

}  // namespace h3edge
