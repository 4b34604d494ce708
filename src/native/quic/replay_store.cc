#include "replay_store.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gnutls/crypto.h>

namespace h3edge {

namespace {
constexpr uint32_t kMagic = 0x68337270;  // "h3rp"
constexpr size_t kKeyBytes = 24;          // of the SHA-256 of GnuTLS's key
constexpr size_t kProbes = 32;
constexpr size_t kGnutlsKeyPrefix = 12;  // lib/tls13/anti_replay.c: start_time seconds (8) and nanoseconds (4)

struct Entry {
  int64_t expires;  // 0: empty
  uint8_t key[kKeyBytes];
};
}  // namespace

// Shared between processes: a robust, process-shared mutex (a worker that dies holding it does
// not block the others) guards an open-addressing table of hashed keys.
struct ReplayStore::Table {
  uint32_t magic;
  uint32_t slots;
  pthread_mutex_t lock;
  Entry entries[kSlots];
};

bool ReplayStore::init_table(void* mem, std::string* err) {
  // Fresh memory (a new memfd or an anonymous mapping) reads as zeros: every entry is empty.
  auto* table = static_cast<Table*>(mem);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  const int rv = pthread_mutex_init(&table->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rv != 0) {
    *err = std::string("pthread_mutex_init: ") + strerror(rv);
    return false;
  }
  table->slots = static_cast<uint32_t>(kSlots);
  table->magic = kMagic;
  return true;
}

ReplayStore::~ReplayStore() {
  if (table_ != nullptr) munmap(table_, sizeof(Table));
}

int ReplayStore::create_shared(std::string* err) {
  const int fd = memfd_create("h3edge-0rtt-replay", MFD_CLOEXEC);
  if (fd < 0) {
    *err = std::string("memfd_create: ") + strerror(errno);
    return -1;
  }
  void* mem = MAP_FAILED;
  if (ftruncate(fd, sizeof(Table)) != 0 ||
      (mem = mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
    *err = std::string("replay store: ") + strerror(errno);
    close(fd);
    return -1;
  }
  const bool ok = init_table(mem, err);
  munmap(mem, sizeof(Table));
  if (!ok) {
    close(fd);
    return -1;
  }
  return fd;
}

bool ReplayStore::open(int fd, std::string* err) {
  void* mem = fd >= 0 ? mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                      : mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    *err = std::string("replay store mmap: ") + strerror(errno);
    return false;
  }
  if (fd < 0 && !init_table(mem, err)) {
    munmap(mem, sizeof(Table));
    return false;
  }
  table_ = static_cast<Table*>(mem);
  if (table_->magic != kMagic || table_->slots != kSlots) {
    *err = "replay store: descriptor does not hold a table of this version";
    munmap(mem, sizeof(Table));
    table_ = nullptr;
    return false;
  }
  return true;
}

int ReplayStore::add(time_t expires, const gnutls_datum_t& key) {
  if (table_ == nullptr) return GNUTLS_E_DB_ENTRY_EXISTS;
  // GnuTLS's key is its window start (12 bytes, per process) then the ClientHello's PSK binder:
  // the binder alone identifies a ClientHello whichever worker sees it.
  if (key.size <= kGnutlsKeyPrefix) return GNUTLS_E_DB_ENTRY_EXISTS;
  uint8_t digest[32];
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, key.data + kGnutlsKeyPrefix, key.size - kGnutlsKeyPrefix, digest) != 0) {
    return GNUTLS_E_DB_ENTRY_EXISTS;
  }
  uint64_t start;
  std::memcpy(&start, digest + kKeyBytes, sizeof(start));
  const int64_t now = time(nullptr);
  int rv = pthread_mutex_lock(&table_->lock);
  if (rv == EOWNERDEAD) {
    // A worker died holding the lock: at worst one entry is half written, which only refuses
    // one more 0-RTT attempt than needed.
    pthread_mutex_consistent(&table_->lock);
  } else if (rv != 0) {
    return GNUTLS_E_DB_ENTRY_EXISTS;
  }
  Entry* free_slot = nullptr;
  bool seen = false;
  for (size_t i = 0; i < kProbes; ++i) {
    Entry& e = table_->entries[(start + i) % kSlots];
    const bool live = e.expires > now;
    if (live && std::memcmp(e.key, digest, kKeyBytes) == 0) {
      seen = true;
      break;
    }
    if (!live && free_slot == nullptr) free_slot = &e;
  }
  if (!seen && free_slot != nullptr) {
    std::memcpy(free_slot->key, digest, kKeyBytes);
    free_slot->expires = static_cast<int64_t>(expires);
  }
  pthread_mutex_unlock(&table_->lock);
  if (seen) replay_ = true;
  return !seen && free_slot != nullptr ? 0 : GNUTLS_E_DB_ENTRY_EXISTS;
}

}  // namespace h3edge
