// The ABI between the mmap addon, which owns file mappings and their SIGBUS handler, and the
// QUIC addon, which reads response bodies straight from those mappings when it builds packets.
// The mmap addon hands JavaScript an External pointing at a MapGuard; JavaScript passes it to
// the QUIC server, which then asks before and after reading whether a mapping lost its file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace h3edge {

struct MapGuard {
  static constexpr uint32_t kVersion = 1;
  uint32_t version;
  /** Mappings poisoned so far: it moves when a read of a truncated file faulted anywhere. */
  uint64_t (*epoch)();
  /** Mappings poisoned and still mapped now (0 almost always: a cheap test before a search). */
  uint64_t (*poisoned_live)();
  /** True when [data, data + len) lies in a mapping whose file lost those pages (zeros now). */
  bool (*poisoned)(const void* data, size_t len);
};

}  // namespace h3edge
