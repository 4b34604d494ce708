// Read-only file mappings handed to JavaScript as Buffers, with no copy.
//
// mapFile(path) maps exactly the size fstat reported at open (never past EOF) and returns a
// Buffer backed by the mapping; its finalizer unmaps, so a mapping lives as long as any
// response still holds a slice of it. Every failure is a JS exception carrying errno text.
// A file truncated (or rewritten, which truncates first) *after* it was mapped makes reads of
// the lost pages raise SIGBUS, which would kill the process. So every mapping is registered, and
// a SIGBUS handler that finds the faulting address in one maps zero pages over the rest of that
// mapping and marks it poisoned: the read that faulted continues with zeros, and whoever sends
// those bytes asks (isPoisoned here, MapGuard in the QUIC addon) and resets the response instead
// of completing it. A SIGBUS anywhere else goes to the handler that was there before (or kills
// the process as it would have).
#include <napi.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "../common/errno_error.h"
#include "../common/map_guard.h"

namespace {

// The registry of live mappings. Process-wide by necessity: a signal handler has no other way
// to find it. Slots are written on the JavaScript thread only; the handler (any thread) only
// reads them, through atomics, and never allocates.
struct Slot {
  std::atomic<uintptr_t> start{0};
  std::atomic<size_t> length{0};
  std::atomic<uint32_t> poisoned{0};
};
constexpr size_t kChunkSlots = 4096;
constexpr size_t kMaxChunks = 256;  // 1,048,576 mappings at once
std::atomic<Slot*> g_chunks[kMaxChunks];
std::atomic<size_t> g_used{0};  // slots ever handed out: the handler's search bound
std::atomic<uint64_t> g_epoch{0};
std::atomic<uint64_t> g_poisoned_live{0};
std::vector<size_t>* g_free = nullptr;  // JavaScript thread only
std::mutex g_register_mutex;            // against two Node environments (worker threads)
struct sigaction g_previous {};
size_t g_page = 4096;

Slot* slot_at(size_t i) {
  Slot* chunk = g_chunks[i / kChunkSlots].load(std::memory_order_acquire);
  return chunk == nullptr ? nullptr : &chunk[i % kChunkSlots];
}

/** The slot whose mapping holds `addr`, or nullptr. Async-signal-safe. */
Slot* find_slot(uintptr_t addr) {
  const size_t used = g_used.load(std::memory_order_acquire);
  for (size_t i = 0; i < used; ++i) {
    Slot* s = slot_at(i);
    if (s == nullptr) continue;
    const uintptr_t start = s->start.load(std::memory_order_acquire);
    if (start != 0 && addr >= start && addr < start + s->length.load(std::memory_order_relaxed)) return s;
  }
  return nullptr;
}

/** Registers a mapping; returns its slot index, or SIZE_MAX when the registry is full. */
size_t register_mapping(void* data, size_t length) {
  std::lock_guard<std::mutex> lock(g_register_mutex);
  if (g_free == nullptr) g_free = new std::vector<size_t>();
  size_t i;
  if (!g_free->empty()) {
    i = g_free->back();
    g_free->pop_back();
  } else {
    i = g_used.load(std::memory_order_relaxed);
    if (i >= kChunkSlots * kMaxChunks) return SIZE_MAX;
    if (g_chunks[i / kChunkSlots].load(std::memory_order_relaxed) == nullptr) {
      g_chunks[i / kChunkSlots].store(new Slot[kChunkSlots], std::memory_order_release);
    }
  }
  Slot* s = slot_at(i);
  s->length.store(length, std::memory_order_relaxed);
  s->poisoned.store(0, std::memory_order_relaxed);
  s->start.store(reinterpret_cast<uintptr_t>(data), std::memory_order_release);
  if (i == g_used.load(std::memory_order_relaxed)) g_used.store(i + 1, std::memory_order_release);
  return i;
}

void unregister_mapping(size_t i) {
  std::lock_guard<std::mutex> lock(g_register_mutex);
  Slot* s = slot_at(i);
  if (s->poisoned.load(std::memory_order_acquire) != 0) g_poisoned_live.fetch_sub(1, std::memory_order_relaxed);
  s->start.store(0, std::memory_order_release);
  g_free->push_back(i);
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(info->si_addr);
  Slot* s = info->si_code == BUS_ADRERR ? find_slot(addr) : nullptr;
  if (s != nullptr) {
    const uintptr_t start = s->start.load(std::memory_order_acquire);
    const uintptr_t end = (start + s->length.load(std::memory_order_relaxed) + g_page - 1) & ~(g_page - 1);
    const uintptr_t page = addr & ~(g_page - 1);
    // Zeros from the faulting page to the end: later reads of the lost tail do not fault again.
    if (mmap(reinterpret_cast<void*>(page), end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      if (s->poisoned.exchange(1, std::memory_order_acq_rel) == 0) g_poisoned_live.fetch_add(1, std::memory_order_relaxed);
      g_epoch.fetch_add(1, std::memory_order_acq_rel);
      return;  // the faulting read runs again and finds zeros
    }
  }
  // Not ours (or the rescue failed): what would have happened without us.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  signal(SIGBUS, SIG_DFL);  // the read faults again and the process ends as it would have
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &g_previous);
  });
}

bool poisoned_range(const void* data, size_t len) {
  if (g_poisoned_live.load(std::memory_order_acquire) == 0 || len == 0) return false;
  Slot* s = find_slot(reinterpret_cast<uintptr_t>(data));
  return s != nullptr && s->poisoned.load(std::memory_order_acquire) != 0;
}

const h3edge::MapGuard kGuard{
    h3edge::MapGuard::kVersion,
    [] { return g_epoch.load(std::memory_order_acquire); },
    [] { return g_poisoned_live.load(std::memory_order_acquire); },
    poisoned_range,
};

struct AddonState {
  std::atomic<int64_t> mappedBytes{0};
};

struct Mapping {
  size_t length;
  AddonState* state;
  size_t slot;  // in the registry; SIZE_MAX when it was full (then unprotected)
};

void Unmap(Napi::Env env, uint8_t* data, Mapping* m) {
  if (m->slot != SIZE_MAX) unregister_mapping(m->slot);
  munmap(data, m->length);
  m->state->mappedBytes -= static_cast<int64_t>(m->length);
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(m->length));
  delete m;
}

Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "mapFile(path: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    h3edge::ErrnoError(env, errno, "open '" + path + "'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    h3edge::ErrnoError(env, err, "fstat '" + path + "'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    h3edge::ErrnoError(env, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "not a regular file '" + path + "'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t length = static_cast<size_t>(st.st_size);
  Napi::Object result = Napi::Object::New(env);
  result.Set("size", Napi::Number::New(env, static_cast<double>(length)));
  result.Set("ino", Napi::Number::New(env, static_cast<double>(st.st_ino)));
  result.Set("dev", Napi::Number::New(env, static_cast<double>(st.st_dev)));
  result.Set("mtimeMs", Napi::Number::New(env, static_cast<double>(st.st_mtim.tv_sec) * 1e3 + static_cast<double>(st.st_mtim.tv_nsec) / 1e6));
  if (length == 0) {  // mmap of zero bytes is an error; an empty file is an empty Buffer
    close(fd);
    result.Set("buffer", Napi::Buffer<uint8_t>::New(env, 0));
    return result;
  }
  void* data = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  const int mapErr = errno;
  close(fd);  // the mapping keeps the file alive
  if (data == MAP_FAILED) {
    h3edge::ErrnoError(env, mapErr, "mmap '" + path + "'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  AddonState* state = env.GetInstanceData<AddonState>();
  state->mappedBytes += static_cast<int64_t>(length);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(length));
  const size_t slot = register_mapping(data, length);
  result.Set("buffer", Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(data), length, Unmap, new Mapping{length, state, slot}));
  return result;
}

/** isPoisoned(buffer): the buffer lies in a mapping whose file lost pages under it (they read as zeros). */
Napi::Value IsPoisoned(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    Napi::TypeError::New(env, "isPoisoned(buffer: Buffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> buf = info[0].As<Napi::Buffer<uint8_t>>();
  return Napi::Boolean::New(env, poisoned_range(buf.Data(), buf.Length()));
}

/** poisonCount(): mappings poisoned since the process started. */
Napi::Value PoisonCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(g_epoch.load(std::memory_order_acquire)));
}

Napi::Value Advise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsString()) {
    Napi::TypeError::New(env, "advise(buffer: Buffer, advice: 'willneed'|'sequential'|'random'|'dontneed')").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Buffer<uint8_t> buf = info[0].As<Napi::Buffer<uint8_t>>();
  const std::string kind = info[1].As<Napi::String>().Utf8Value();
  int advice;
  if (kind == "willneed") advice = MADV_WILLNEED;
  else if (kind == "sequential") advice = MADV_SEQUENTIAL;
  else if (kind == "random") advice = MADV_RANDOM;
  else if (kind == "dontneed") advice = MADV_DONTNEED;
  else {
    Napi::TypeError::New(env, "unknown advice '" + kind + "'").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (buf.Length() == 0) return env.Undefined();
  // madvise wants a page-aligned start; widen the range down to the page boundary.
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(buf.Data()) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(buf.Data()) + buf.Length();
  if (madvise(reinterpret_cast<void*>(start), end - start, advice) != 0) {
    h3edge::ErrnoError(env, errno, "madvise").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value MappedBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(info.Env().GetInstanceData<AddonState>()->mappedBytes.load()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new AddonState());
  install_sigbus_handler();
  exports.Set("mapFile", Napi::Function::New(env, MapFile, "mapFile"));
  exports.Set("isPoisoned", Napi::Function::New(env, IsPoisoned, "isPoisoned"));
  exports.Set("poisonCount", Napi::Function::New(env, PoisonCount, "poisonCount"));
  // For the QUIC addon: a pointer to kGuard (static, lives as long as the process).
  exports.Set("guard", Napi::External<h3edge::MapGuard>::New(env, const_cast<h3edge::MapGuard*>(&kGuard)));
  exports.Set("advise", Napi::Function::New(env, Advise, "advise"));
  exports.Set("mappedBytes", Napi::Function::New(env, MappedBytes, "mappedBytes"));
  return exports;
}

}  // namespace

NODE_API_MODULE(h3edge_mmap, Init)
