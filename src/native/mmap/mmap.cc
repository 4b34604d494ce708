// Read-only file mappings handed to JavaScript as Buffers, with no copy.
//
// mapFile(path) maps exactly the size fstat reported at open (never past EOF) and returns a
// Buffer backed by the mapping; its finalizer unmaps, so a mapping lives as long as any
// response still holds a slice of it. Every failure is a JS exception carrying errno text.
// What this cannot prevent: a file truncated *after* the caller validated it makes reads of
// the lost pages raise SIGBUS. The cache re-validates size and inode before every use and
// the fill job replaces files by rename (a new inode), which keeps that window to files
// truncated in place by someone else while a response is being sent.
#include <napi.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/errno_error.h"

namespace {

struct AddonState {
  std::atomic<int64_t> mappedBytes{0};
};

struct Mapping {
  size_t length;
  AddonState* state;
};

void Unmap(Napi::Env env, uint8_t* data, Mapping* m) {
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
  result.Set("buffer", Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(data), length, Unmap, new Mapping{length, state}));
  return result;
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
  exports.Set("mapFile", Napi::Function::New(env, MapFile, "mapFile"));
  exports.Set("advise", Napi::Function::New(env, Advise, "advise"));
  exports.Set("mappedBytes", Napi::Function::New(env, MappedBytes, "mappedBytes"));
  return exports;
}

}  // namespace

NODE_API_MODULE(h3edge_mmap, Init)
