#include "qlog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "secrets.h"

namespace h3edge {

namespace {
// Enough for ngtcp2's records between two flushes; the file is flushed when the connection ends.
constexpr size_t kBufferBytes = 64 * 1024;
}  // namespace

QlogFile::~QlogFile() { close(); }

bool QlogFile::open(const std::string& dir, const std::string& name, std::string* err) {
  const std::string path = dir + "/" + name + ".sqlog";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    *err = "qlog " + path + ": " + std::strerror(errno);
    return false;
  }
  file_ = fdopen(fd, "w");
  if (file_ == nullptr) {
    *err = "qlog " + path + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
  return true;
}

void QlogFile::close() {
  if (file_ != nullptr) fclose(file_);
  file_ = nullptr;
}

void QlogFile::write(uint32_t flags, const void* data, size_t len) {
  if (file_ == nullptr) return;
  if (len > 0) fwrite(data, 1, len, file_);
  if ((flags & NGTCP2_QLOG_WRITE_FLAG_FIN) != 0) close();
}

void QlogFile::event(ngtcp2_tstamp start, ngtcp2_tstamp now, const char* name, const std::string& data_json) {
  if (file_ == nullptr) return;
  // As ngtcp2's records: RS, JSON, LF (RFC 7464); time in whole milliseconds, relative.
  const unsigned long long ms = now > start ? (now - start) / NGTCP2_MILLISECONDS : 0;
  fprintf(file_, "\x1e{\"time\":%llu,\"name\":\"%s\",\"data\":{%s}}\n", ms, name, data_json.c_str());
}

bool qlog_sampled(double ratio) {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  uint32_t r = 0;
  if (!random_bytes(reinterpret_cast<uint8_t*>(&r), sizeof(r))) return false;
  return static_cast<double>(r) < ratio * 4294967296.0;
}

}  // namespace h3edge
