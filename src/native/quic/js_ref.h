// A strong reference to a JavaScript value, held by native code while nghttp3/ngtcp2 point into
// its memory (a response body Buffer stays alive until its bytes are acknowledged).
#pragma once

#include <node_api.h>

namespace h3edge {

class JsRef {
 public:
  JsRef() = default;
  JsRef(napi_env env, napi_value value) : env_(env) {
    if (napi_create_reference(env, value, 1, &ref_) != napi_ok) ref_ = nullptr;
  }
  JsRef(const JsRef&) = delete;
  JsRef& operator=(const JsRef&) = delete;
  JsRef(JsRef&& other) noexcept : env_(other.env_), ref_(other.ref_) { other.ref_ = nullptr; }
  JsRef& operator=(JsRef&& other) noexcept {
    if (this != &other) {
      reset();
      env_ = other.env_;
      ref_ = other.ref_;
      other.ref_ = nullptr;
    }
    return *this;
  }
  ~JsRef() { reset(); }

  /** The value; undefined when there is none. Only with a HandleScope open. */
  napi_value value() const {
    napi_value v = nullptr;
    if (ref_ == nullptr || napi_get_reference_value(env_, ref_, &v) != napi_ok || v == nullptr) napi_get_undefined(env_, &v);
    return v;
  }

  void reset() {
    if (ref_ != nullptr) napi_delete_reference(env_, ref_);
    ref_ = nullptr;
  }

 private:
  napi_env env_ = nullptr;
  napi_ref ref_ = nullptr;
};

}  // namespace h3edge
