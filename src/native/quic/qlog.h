// One connection's qlog (draft-ietf-quic-qlog-main-schema, JSON-SEQ as ngtcp2 writes it): a file
// `<dir>/<connection id>.sqlog` that qvis opens. ngtcp2 writes its transport events through
// ngtcp2_settings.qlog_write; the engine adds HTTP/3 events of its own (priorities) as records
// of the same sequence. Written synchronously through a buffered FILE on the loop thread, which
// is why only a sample of connections gets one (qlogSampleRatio).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <ngtcp2/ngtcp2.h>

namespace h3edge {

class QlogFile {
 public:
  QlogFile() = default;
  QlogFile(const QlogFile&) = delete;
  QlogFile& operator=(const QlogFile&) = delete;
  ~QlogFile();

  /** Creates `dir/name.sqlog` (never overwrites); false with an errno text in `err`. */
  bool open(const std::string& dir, const std::string& name, std::string* err);
  bool is_open() const { return file_ != nullptr; }

  /** What ngtcp2's qlog_write callback hands over; the final call (FIN) closes the file. */
  void write(uint32_t flags, const void* data, size_t len);

  /**
   * Appends one record {"time": ms since `start`, "name": name, "data": {data_json}}; `data_json`
   * is the inside of the data object, already valid JSON. Ignored once the file is closed.
   */
  void event(ngtcp2_tstamp start, ngtcp2_tstamp now, const char* name, const std::string& data_json);

 private:
  void close();

  FILE* file_ = nullptr;
};

/** Whether this connection is one of the sampled ones (`ratio` in [0, 1]). */
bool qlog_sampled(double ratio);

}  // namespace h3edge
