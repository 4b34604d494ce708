// TLS 1.3 for QUIC through GnuTLS and ngtcp2's GnuTLS helper: one context per server
// (certificate, session-ticket keys, 0-RTT anti-replay store) and one session per connection.
#pragma once

#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include "options.h"
#include "replay_store.h"
#include "ticket_keys.h"

namespace h3edge {

class TlsContext {
 public:
  TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  /**
   * Loads the certificate and sets up tickets. `binding` is mixed into the ticket keys: tickets
   * (and so 0-RTT) are only honoured by servers with the same transport limits, which RFC 9000
   * §7.4.1 requires of a server accepting 0-RTT. Returns false with a message in `err`.
   */
  bool init(const ServerOptions& opts, const std::vector<uint8_t>& binding, std::string* err);

  /**
   * New handshakes issue tickets under `current`; tickets issued under `previous` (empty: none)
   * still resume, with 0-RTT. Older tickets get a full handshake. Returns false with a message in
   * `err` and keeps the keys in use.
   */
  bool set_ticket_keys(const std::vector<uint8_t>& current, const std::vector<uint8_t>& previous, std::string* err);

  /**
   * New connections use this certificate and key from now on; connections already set up keep
   * the credentials they were given (retired ones are freed only with the context).
   */
  bool reload_credentials(const std::string& cert_file, const std::string& key_file, std::string* err);

  gnutls_certificate_credentials_t credentials() const { return cred_; }
  const TicketKeys& ticket_keys() const { return ticket_keys_; }
  gnutls_anti_replay_t anti_replay() const { return anti_replay_; }
  /**
   * GnuTLS rejects early data whose ticket age falls outside its window and asks this store about
   * the rest: a ClientHello seen before, by any worker of the node, is a replay and gets a full
   * handshake instead.
   */
  ReplayStore& replay_store() { return replay_store_; }
  bool early_data() const { return early_data_; }
  /** Handshakes that start from now on accept 0-RTT (or refuse it: the client resends in 1-RTT). */
  void set_early_data(bool on) { early_data_ = on; }

 private:
  gnutls_certificate_credentials_t cred_ = nullptr;
  std::vector<gnutls_certificate_credentials_t> retired_;
  TicketKeys ticket_keys_;
  std::vector<uint8_t> binding_;
  gnutls_anti_replay_t anti_replay_ = nullptr;
  ReplayStore replay_store_;
  bool early_data_ = true;
};

/** ngtcp2's conn_ref must be what gnutls_session_get_ptr returns; we keep our notes beside it. */
struct TlsLink {
  ngtcp2_crypto_conn_ref conn_ref;  // first member: the GnuTLS session pointer points here
  bool early_data_offered = false;  // the ClientHello carried the early_data extension
  const TicketKeys* ticket_keys = nullptr;
};

class TlsSession {
 public:
  TlsSession() = default;
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;
  ~TlsSession();

  /** link must outlive the session. Returns false with a message in `err`. */
  bool init(const TlsContext& ctx, TlsLink* link, std::string* err);
  gnutls_session_t native() const { return session_; }

  bool resumed() const;
  bool early_data_accepted() const;
  /** Sends a NewSessionTicket (after the handshake; GnuTLS is told not to send one itself). */
  bool send_ticket();

 private:
  gnutls_session_t session_ = nullptr;
};

}  // namespace h3edge
