// One pump round's kept answers (KeptClose events) as JavaScript gets them: numbers in one
// Float64Array, the records and client addresses they name each once. A JavaScript array and
// tuple per answer (a dozen N-API calls, an address string each) took about an eighth of the
// process's CPU on small objects.
#pragma once

#include <napi.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "events.h"
#include "kept_answers.h"

namespace h3edge {

/** The event kind under which addon.cc hands a round's kept answers over (quic.ts KIND.keptBatch). */
inline constexpr int KEPT_BATCH = 11;

/**
 * Per answer, KEPT_BATCH_STRIDE numbers: [record index, address index, completed (0/1), body bytes,
 * seconds since the head arrived, urgency (-1: none), incremental (0/1), chosen by the client (0/1)].
 * The indexes point into names(): [records, addresses].
 */
inline constexpr size_t KEPT_BATCH_STRIDE = 8;

class KeptBatch {
 public:
  explicit KeptBatch(Napi::Env env) : env_(env) {}

  /** Adds one KeptClose event (its `kept` set). Lives for one deliver call. */
  void add(const Event& ev) {
    const double record = static_cast<double>(index_of<const KeptResponse*>(records_, record_index_, ev.kept.get()));
    const double address = static_cast<double>(index_of<std::string>(addresses_, address_index_, ev.remote));
    numbers_.insert(numbers_.end(), {record, address, ev.flag ? 1.0 : 0.0, static_cast<double>(ev.bytes), ev.seconds,
                                     static_cast<double>(ev.urgency), ev.incremental ? 1.0 : 0.0, ev.priority_by_client ? 1.0 : 0.0});
  }

  size_t size() const { return numbers_.size() / KEPT_BATCH_STRIDE; }

  /** [records (each answer's record value), addresses (strings)]. */
  Napi::Array names() const {
    Napi::Array records = Napi::Array::New(env_, records_.size());
    for (uint32_t i = 0; i < records_.size(); i++) records.Set(i, records_[i]->record.value());
    Napi::Array addresses = Napi::Array::New(env_, addresses_.size());
    for (uint32_t i = 0; i < addresses_.size(); i++) addresses.Set(i, Napi::String::New(env_, addresses_[i]));
    Napi::Array both = Napi::Array::New(env_, 2);
    both.Set(0u, records);
    both.Set(1u, addresses);
    return both;
  }

  Napi::Float64Array numbers() const {
    Napi::Float64Array out = Napi::Float64Array::New(env_, numbers_.size());
    std::memcpy(out.Data(), numbers_.data(), numbers_.size() * sizeof(double));
    return out;
  }

 private:
  /** The index of `value` in `list`, appended on first sight. */
  template <typename T>
  static size_t index_of(std::vector<T>& list, std::unordered_map<T, size_t>& seen, const T& value) {
    auto [it, fresh] = seen.try_emplace(value, list.size());
    if (fresh) list.push_back(value);
    return it->second;
  }

  Napi::Env env_;
  std::vector<const KeptResponse*> records_;
  std::unordered_map<const KeptResponse*, size_t> record_index_;
  std::vector<std::string> addresses_;
  std::unordered_map<std::string, size_t> address_index_;
  std::vector<double> numbers_;
};

}  // namespace h3edge
