// The process's open-file limit. A server that holds one descriptor per connection and opens
// files per request must not run at a soft limit lower than the hard limit the system grants it
// (a limit inherited from a login shell is often 1024, the hard one far higher).
#include <napi.h>

#include <cerrno>
#include <cmath>
#include <sys/resource.h>

#include "../common/errno_error.h"

namespace {

Napi::Object limits_object(Napi::Env env, const rlimit& rl) {
  Napi::Object o = Napi::Object::New(env);
  // RLIM_INFINITY does not fit a double exactly; report it as Infinity.
  o.Set("soft", rl.rlim_cur == RLIM_INFINITY ? Napi::Number::New(env, INFINITY) : Napi::Number::New(env, static_cast<double>(rl.rlim_cur)));
  o.Set("hard", rl.rlim_max == RLIM_INFINITY ? Napi::Number::New(env, INFINITY) : Napi::Number::New(env, static_cast<double>(rl.rlim_max)));
  return o;
}

/** raiseOpenFileLimit() -> {soft, hard}: sets the soft RLIMIT_NOFILE to the hard one; throws with errno text. */
Napi::Value RaiseOpenFileLimit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    h3edge::ErrnoError(env, errno, "getrlimit(RLIMIT_NOFILE)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (rl.rlim_cur != rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      h3edge::ErrnoError(env, errno, "setrlimit(RLIMIT_NOFILE)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    rl = raised;
  }
  return limits_object(env, rl);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("raiseOpenFileLimit", Napi::Function::New(env, RaiseOpenFileLimit, "raiseOpenFileLimit"));
  return exports;
}

}  // namespace

NODE_API_MODULE(h3edge_rlimit, Init)
