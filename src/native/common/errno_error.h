// A JavaScript Error for a failed system call, shaped like Node's own: message "ENOENT: no such
// file or directory, open 'x'", with `code` and `errno`. Shared by the small addons (mmap, tcpinfo, rlimit).
#pragma once

#include <napi.h>

#include <cstring>
#include <string>

namespace h3edge {

inline Napi::Error ErrnoError(Napi::Env env, int err, const std::string& what) {
  const char* name = strerrorname_np(err) ? strerrorname_np(err) : "EIO";
  Napi::Error e = Napi::Error::New(env, std::string(name) + ": " + strerror(err) + ", " + what);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

}  // namespace h3edge
