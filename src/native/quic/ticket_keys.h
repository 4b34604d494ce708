// Session-ticket master keys: the one new tickets are issued under and the one it replaced.
// GnuTLS takes one master per session, so the ClientHello's PSK identity decides, before GnuTLS
// reads it, which master the session gets.
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include <gnutls/gnutls.h>

namespace h3edge {

// Pinned on every session (gnutls_db_set_cache_expiration): ticket lifetime, and the unit of
// GnuTLS's own key schedule, which TicketKeys::master_for has to follow. GnuTLS's default.
constexpr unsigned kTicketLifetimeSec = 6 * 3600;

class TicketKeys {
 public:
  TicketKeys() = default;
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;
  ~TicketKeys();

  /**
   * Replaces both masters. `current` empty: a random one (tickets then work on this server only);
   * `previous` empty: none. `binding` is mixed into each (see TlsContext::init). Returns false
   * with a message in `err` and leaves the old masters in place.
   */
  bool set(const std::vector<uint8_t>& current, const std::vector<uint8_t>& previous,
           const std::vector<uint8_t>& binding, std::string* err);

  /** The master new sessions start with. */
  gnutls_datum_t current() const { return datum(current_); }
  /**
   * The previous master if the ticket (a PSK identity from a ClientHello, starting with its key
   * name) was issued under it at wall-clock time `now` or one GnuTLS period before; else null.
   */
  const std::array<uint8_t, 64>* previous_for(const uint8_t* ticket, size_t len, time_t now) const;

 private:
  using Master = std::array<uint8_t, 64>;
  static gnutls_datum_t datum(const Master& m) { return {const_cast<uint8_t*>(m.data()), static_cast<unsigned>(m.size())}; }

  Master current_{};
  Master previous_{};
  bool has_previous_ = false;
};

}  // namespace h3edge
