// Answers the engine gives itself. JavaScript's core marks a whole small response as one any
// client sending the same request would get (a static file: no per-client field, no range, no
// validator, no origin) and hands it over; for a short while identical requests are answered
// here without crossing into JavaScript, and JavaScript hears of each once it is over (one
// KeptClose event: the access line and the metrics). JavaScript decides what may be kept and
// which request fields leave an answer unchanged; the engine only matches and repeats.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "js_ref.h"
#include "stream.h"

namespace h3edge {

/** One kept response. Shared by the table and the streams still sending it; freed with the last. */
struct KeptResponse {
  std::string status;
  std::vector<std::pair<std::string, std::string>> headers;
  JsRef body_owner;  // the Buffer `data` points into (a mapping of the segment cache)
  const uint8_t* data = nullptr;
  size_t len = 0;
  int urgency = -1;  // our class default; the client's own signal wins (as in Http3::respond)
  bool incremental = false;
  // A field whose value takes the connection's path reading (CMSD-Dynamic): `path_before`, then
  // `;etp=<kbit/s>;rtt=<ms>` as far as the connection has measured them, then `path_after`.
  std::string path_field, path_before, path_after;
  JsRef record;  // handed back to JavaScript with every answer's KeptClose
  uint64_t expires_ns = 0;
};

class KeptAnswers {
 public:
  /** Kept responses at most; a full table takes new ones only after dropping expired ones. */
  static constexpr size_t kMaxEntries = 4096;

  /** The request fields (lowercase names) that leave a kept answer unchanged; set at start. */
  void set_request_fields(std::vector<std::string> names) { request_fields_ = std::move(names); }

  /**
   * Whether `s` is a request a kept answer may take: a GET that is not early data and whose
   * fields are all among the request fields (so no content-length: a body it may still send is
   * refused, as the core does for routes that take none).
   */
  bool accepts(const RequestStream& s) const;
  /** The fresh kept response for this authority and target; an expired one is dropped. */
  std::shared_ptr<const KeptResponse> find(const std::string& authority, const std::string& target, uint64_t now_ns);
  /** Keeps (or replaces) the response for this authority and target; false when the table is full. */
  bool keep(const std::string& authority, const std::string& target, std::shared_ptr<const KeptResponse> r, uint64_t now_ns);
  void forget(const std::string& authority, const std::string& target) { by_target_.erase(key(authority, target)); }
  void clear() { by_target_.clear(); }
  bool empty() const { return by_target_.empty(); }
  size_t size() const { return by_target_.size(); }

  // Answers sent from the table whose streams are still open, and all answered since start.
  uint64_t in_flight = 0;
  uint64_t answered = 0;

 private:
  static std::string key(const std::string& authority, const std::string& target) { return authority + '\n' + target; }

  std::vector<std::string> request_fields_;
  std::unordered_map<std::string, std::shared_ptr<const KeptResponse>> by_target_;
};

}  // namespace h3edge
