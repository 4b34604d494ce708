#include "tls.h"

#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "gnutls_error.h"
#include "ticket_clock.h"

namespace h3edge {

namespace {

// TLS 1.3 only (RFC 9001 §4.2); no middlebox compatibility mode in QUIC (RFC 9001 §8.4).
constexpr const char* kPriority =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"
    "+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:"
    "+GROUP-SECP521R1";
constexpr unsigned char kAlpnH3[] = {'h', '3'};
constexpr unsigned kEarlyDataExtension = 42;     // RFC 8446 §4.2.10
constexpr unsigned kPreSharedKeyExtension = 41;  // RFC 8446 §4.2.11

int replay_add(void* dbf, time_t expires, const gnutls_datum_t* key, const gnutls_datum_t*) {
  return static_cast<ReplayStore*>(dbf)->add(expires, *key);
}

struct HelloScan {
  gnutls_session_t session;
  TlsLink* link;
};

// RFC 8446 §4.2.11: identities<7..2^16-1> of {identity<1..2^16-1>, uint32 age}, then binders.
// GnuTLS tries only the first identity; a ticket of the previous master gets that master for
// this session (allowed until GnuTLS has derived a ticket key, which it does while reading the
// extension, after this hook). GnuTLS keeps a session's master once used, so the ticket this
// session is sent later is under the previous master too, good until the next rotation.
void choose_ticket_master(const HelloScan& scan, const unsigned char* data, unsigned size) {
  if (scan.link->ticket_keys == nullptr || size < 4) return;
  const unsigned identities = (data[0] << 8) | data[1];
  const unsigned identity = (data[2] << 8) | data[3];
  if (identities + 2 > size || identity + 2 > identities) return;
  const std::array<uint8_t, 64>* previous = scan.link->ticket_keys->previous_for(data + 4, identity, time(nullptr));
  if (previous == nullptr) return;
  gnutls_datum_t master{const_cast<uint8_t*>(previous->data()), static_cast<unsigned>(previous->size())};
  // After a HelloRetryRequest GnuTLS refuses a second switch; the first one still holds.
  gnutls_session_ticket_enable_server(scan.session, &master);
}

int note_extension(void* ctx, unsigned tls_id, const unsigned char* data, unsigned size) {
  auto* scan = static_cast<HelloScan*>(ctx);
  if (tls_id == kEarlyDataExtension) scan->link->early_data_offered = true;
  if (tls_id == kPreSharedKeyExtension) choose_ticket_master(*scan, data, size);
  return 0;
}

// Records whether the client tries 0-RTT, so "rejected" can be counted (GnuTLS only reports
// acceptance), and picks the ticket master its PSK identity was issued under.
int client_hello_hook(gnutls_session_t session, unsigned, unsigned, unsigned incoming, const gnutls_datum_t* msg) {
  if (!incoming || msg == nullptr) return 0;
  auto* link = static_cast<TlsLink*>(gnutls_session_get_ptr(session));
  if (link == nullptr) return 0;
  HelloScan scan{session, link};
  gnutls_ext_raw_parse(&scan, note_extension, msg, GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
  return 0;
}

}  // namespace

TlsContext::~TlsContext() {
  if (anti_replay_ != nullptr) gnutls_anti_replay_deinit(anti_replay_);
  if (cred_ != nullptr) gnutls_certificate_free_credentials(cred_);
  for (gnutls_certificate_credentials_t c : retired_) gnutls_certificate_free_credentials(c);
}

namespace {
bool load_credentials(const std::string& cert_file, const std::string& key_file, gnutls_certificate_credentials_t* out,
                      std::string* err) {
  if (int rv = gnutls_certificate_allocate_credentials(out); rv != 0) {
    *err = gnutls_message("gnutls_certificate_allocate_credentials", rv);
    return false;
  }
  if (int rv = gnutls_certificate_set_x509_key_file(*out, cert_file.c_str(), key_file.c_str(), GNUTLS_X509_FMT_PEM);
      rv < 0) {
    *err = gnutls_message(("certificate " + cert_file + " / key " + key_file).c_str(), rv);
    gnutls_certificate_free_credentials(*out);
    *out = nullptr;
    return false;
  }
  return true;
}
}  // namespace

bool TlsContext::reload_credentials(const std::string& cert_file, const std::string& key_file, std::string* err) {
  gnutls_certificate_credentials_t fresh = nullptr;
  if (!load_credentials(cert_file, key_file, &fresh, err)) return false;
  // Sessions point at the old credentials until they end; keep them.
  retired_.push_back(cred_);
  cred_ = fresh;
  return true;
}

bool TlsContext::init(const ServerOptions& opts, const std::vector<uint8_t>& binding, std::string* err) {
  early_data_ = opts.early_data;
  install_ticket_clock();
  if (!load_credentials(opts.cert_file, opts.key_file, &cred_, err)) return false;
  binding_ = binding;
  if (!ticket_keys_.set(opts.ticket_key, opts.previous_ticket_key, binding_, err)) return false;
  if (!replay_store_.open(opts.replay_store_fd, err)) return false;
  // Its window starts a second back too: a ticket issued in the first second would otherwise
  // look created before the window and get no early data (each later window start, every
  // early_data_window_ms, still costs the tickets of its first second that).
  int r = 0;
  {
    BackdatedTickets older;
    r = gnutls_anti_replay_init(&anti_replay_);
  }
  if (r != 0) {
    *err = gnutls_message("gnutls_anti_replay_init", r);
    return false;
  }
  gnutls_anti_replay_set_window(anti_replay_, static_cast<unsigned>(opts.early_data_window_ms));
  gnutls_anti_replay_set_add_function(anti_replay_, replay_add);
  gnutls_anti_replay_set_ptr(anti_replay_, &replay_store_);
  return true;
}

bool TlsContext::set_ticket_keys(const std::vector<uint8_t>& current, const std::vector<uint8_t>& previous,
                                 std::string* err) {
  return ticket_keys_.set(current, previous, binding_, err);
}

TlsSession::~TlsSession() {
  if (session_ != nullptr) gnutls_deinit(session_);
}

bool TlsSession::init(const TlsContext& ctx, TlsLink* link, std::string* err) {
  unsigned flags = GNUTLS_SERVER | GNUTLS_NO_AUTO_SEND_TICKET | GNUTLS_NO_END_OF_EARLY_DATA;
  if (ctx.early_data()) flags |= GNUTLS_ENABLE_EARLY_DATA;
  if (int rv = gnutls_init(&session_, flags); rv != 0) {
    *err = gnutls_message("gnutls_init", rv);
    return false;
  }
  if (int rv = gnutls_priority_set_direct(session_, kPriority, nullptr); rv != 0) {
    *err = gnutls_message("gnutls_priority_set_direct", rv);
    return false;
  }
  gnutls_db_set_cache_expiration(session_, kTicketLifetimeSec);
  const gnutls_datum_t master = ctx.ticket_keys().current();
  if (int rv = gnutls_session_ticket_enable_server(session_, &master); rv != 0) {
    *err = gnutls_message("gnutls_session_ticket_enable_server", rv);
    return false;
  }
  link->ticket_keys = &ctx.ticket_keys();
  gnutls_handshake_set_hook_function(session_, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE, client_hello_hook);
  if (ngtcp2_crypto_gnutls_configure_server_session(session_) != 0) {
    *err = "ngtcp2_crypto_gnutls_configure_server_session failed";
    return false;
  }
  if (ctx.early_data()) {
    gnutls_anti_replay_enable(session_, ctx.anti_replay());
    // RFC 9001 §4.6.1: a QUIC server signals 0-RTT support with max_early_data_size 0xffffffff.
    gnutls_record_set_max_early_data_size(session_, 0xffffffffu);
  }
  gnutls_session_set_ptr(session_, link);
  if (int rv = gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, ctx.credentials()); rv != 0) {
    *err = gnutls_message("gnutls_credentials_set", rv);
    return false;
  }
  gnutls_datum_t alpn{const_cast<unsigned char*>(kAlpnH3), sizeof(kAlpnH3)};
  // RFC 9001 §8.1: no ALPN agreement, no connection.
  gnutls_alpn_set_protocols(session_, &alpn, 1, GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE);
  return true;
}

bool TlsSession::resumed() const { return session_ != nullptr && gnutls_session_is_resumed(session_) != 0; }

bool TlsSession::early_data_accepted() const {
  return session_ != nullptr && (gnutls_session_get_flags(session_) & GNUTLS_SFLAGS_EARLY_DATA) != 0;
}

bool TlsSession::send_ticket() {
  BackdatedTickets older;  // BoringSSL clients' whole-second ages (ticket_clock.h)
  return gnutls_session_ticket_send(session_, 1, 0) == 0;
}

}  // namespace h3edge
