// 0-RTT anti-replay for a whole node: the ClientHellos of accepted early-data attempts inside
// GnuTLS's anti-replay window, in a table every worker maps. Workers share session-ticket keys,
// so a captured Initial + 0-RTT flight replayed to another worker (SO_REUSEPORT hashes each
// source port anew) must be refused there too. The table lives in a memfd the primary creates
// and hands each worker as an inherited descriptor; a process running alone maps a private one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>

#include <gnutls/gnutls.h>

namespace h3edge {

class ReplayStore {
 public:
  /** Entries held: a 0-RTT attempt per entry for the window (10 s), 26,000 a second. */
  static constexpr uint64_t kSlots = 1 << 18;

  ReplayStore() = default;
  ReplayStore(const ReplayStore&) = delete;
  ReplayStore& operator=(const ReplayStore&) = delete;
  ~ReplayStore();

  /**
   * Creates a shared table in a new memfd (the primary does this once per node); returns the
   * descriptor or -1 with a message in `err`. The caller passes it to its workers.
   */
  static int create_shared(std::string* err);
  /** Maps the table behind `fd` (from create_shared), or a private one when fd < 0. */
  bool open(int fd, std::string* err);

  /**
   * GnuTLS's add function: 0 when `key` is new, GNUTLS_E_DB_ENTRY_EXISTS when it was seen
   * within its expiry by any worker (a replay), or when the table has no room (refusing 0-RTT is
   * always safe: the client falls back to a full handshake).
   */
  int add(time_t expires, const gnutls_datum_t& key);

  /** Whether the last add() since this call refused a replay (not a full table); clears it. */
  bool take_replay() {
    const bool r = replay_;
    replay_ = false;
    return r;
  }

 private:
  struct Table;
  static bool init_table(void* mem, std::string* err);
  Table* table_ = nullptr;
  bool replay_ = false;
};

}  // namespace h3edge
