#include "priority_update.h"

#include <algorithm>

namespace h3edge {

namespace {
constexpr uint64_t kControlStreamType = 0x00;
constexpr uint64_t kPriorityUpdateRequest = 0xf0700;
// A PRIORITY_UPDATE longer than this is not buffered (a stream ID and a short field value).
constexpr uint64_t kMaxUpdatePayload = 1024;

/** QUIC variable-length integer at `p` (RFC 9000 §16); 0 if `len` bytes do not hold it whole. */
size_t read_varint(const uint8_t* p, size_t len, uint64_t* value) {
  if (len == 0) return 0;
  const size_t n = size_t{1} << (p[0] >> 6);
  if (len < n) return 0;
  uint64_t v = p[0] & 0x3f;
  for (size_t i = 1; i < n; ++i) v = (v << 8) | p[i];
  *value = v;
  return n;
}
}  // namespace

void PriorityUpdateReader::feed(int64_t stream_id, const uint8_t* data, size_t len, std::vector<PriorityUpdate>* out) {
  if (control_id_ >= 0 && stream_id != control_id_) return;
  if (std::find(other_streams_.begin(), other_streams_.end(), stream_id) != other_streams_.end()) return;
  if (control_id_ < 0) {
    // A new stream: its type comes first, and the control stream's (0x00) is one byte.
    uint64_t type = 0;
    const size_t n = read_varint(data, len, &type);
    if (n == 0 || type != kControlStreamType) {
      if (n != 0 || len != 0) other_streams_.push_back(stream_id);
      return;
    }
    control_id_ = stream_id;
    data += n;
    len -= n;
  }
  const uint64_t skipped = std::min<uint64_t>(skip_, len);
  skip_ -= skipped;
  pending_.insert(pending_.end(), data + skipped, data + len);
  parse(out);
}

void PriorityUpdateReader::parse(std::vector<PriorityUpdate>* out) {
  size_t at = 0;
  while (skip_ == 0 && at < pending_.size()) {
    const uint8_t* p = pending_.data() + at;
    const size_t left = pending_.size() - at;
    uint64_t type = 0, length = 0;
    const size_t t = read_varint(p, left, &type);
    const size_t l = t == 0 ? 0 : read_varint(p + t, left - t, &length);
    if (l == 0) break;
    const size_t header = t + l;
    if (type != kPriorityUpdateRequest || length > kMaxUpdatePayload) {
      const uint64_t here = std::min<uint64_t>(length, left - header);
      skip_ = length - here;
      at += header + here;
      continue;
    }
    if (left - header < length) break;
    uint64_t element = 0;
    const size_t e = read_varint(p + header, length, &element);
    if (e != 0) {
      nghttp3_pri pri{NGHTTP3_DEFAULT_URGENCY, 0};
      if (nghttp3_pri_parse_priority(&pri, p + header + e, length - e) == 0) out->push_back({static_cast<int64_t>(element), pri});
    }
    at += header + length;
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace h3edge
