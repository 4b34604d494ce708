#include "kept_answers.h"

#include <algorithm>

namespace h3edge {

bool KeptAnswers::accepts(const RequestStream& s) const {
  if (s.early || s.method != "GET" || s.scheme != "https" || s.path.empty() || s.path[0] != '/') return false;
  for (const auto& [name, value] : s.headers) {
    if (std::find(request_fields_.begin(), request_fields_.end(), name) == request_fields_.end()) return false;
  }
  return true;
}

std::shared_ptr<const KeptResponse> KeptAnswers::find(const std::string& authority, const std::string& target, uint64_t now_ns) {
  auto it = by_target_.find(key(authority, target));
  if (it == by_target_.end()) return nullptr;
  if (it->second->expires_ns <= now_ns) {
    by_target_.erase(it);
    return nullptr;
  }
  return it->second;
}

bool KeptAnswers::keep(const std::string& authority, const std::string& target, std::shared_ptr<const KeptResponse> r, uint64_t now_ns) {
  std::string k = key(authority, target);
  if (by_target_.size() >= kMaxEntries && by_target_.find(k) == by_target_.end()) {
    for (auto it = by_target_.begin(); it != by_target_.end();) {
      it = it->second->expires_ns <= now_ns ? by_target_.erase(it) : std::next(it);
    }
    if (by_target_.size() >= kMaxEntries) return false;
  }
  by_target_[std::move(k)] = std::move(r);
  return true;
}

}  // namespace h3edge
