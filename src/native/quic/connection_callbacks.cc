// ngtcp2 callbacks for a server connection. Most crypto work goes to ngtcp2's GnuTLS helper;
// stream events go to the HTTP/3 layer; connection IDs are registered with the server.
#include <array>

#include <ngtcp2/ngtcp2_crypto.h>

#include "connection.h"
#include "secrets.h"
#include "server.h"

namespace h3edge {

namespace {

Connection& of(void* user_data) { return *static_cast<Connection*>(user_data); }

int handshake_completed(ngtcp2_conn*, void* user_data) { return of(user_data).on_handshake_completed(); }

int recv_stream_data(ngtcp2_conn*, uint32_t flags, int64_t stream_id, uint64_t, const uint8_t* data, size_t len,
                     void* user_data, void*) {
  return of(user_data).on_recv_stream_data(flags, stream_id, data, len);
}

int acked_stream_data_offset(ngtcp2_conn*, int64_t stream_id, uint64_t, uint64_t len, void* user_data, void*) {
  Connection& c = of(user_data);
  if (ngtcp2_is_bidi_stream(stream_id)) c.end_first_flight();
  return c.h3().on_acked(stream_id, len);
}

int stream_close(ngtcp2_conn* conn, uint32_t flags, int64_t stream_id, uint64_t app_error_code, void* user_data,
                 void*) {
  if ((flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) == 0) app_error_code = NGHTTP3_H3_NO_ERROR;
  Connection& c = of(user_data);
  c.note_lost_packets(ngtcp2_conn_get_stream_loss_count(conn, stream_id));
  return c.h3().on_quic_stream_close(stream_id, app_error_code);
}

int stream_reset(ngtcp2_conn*, int64_t stream_id, uint64_t, uint64_t, void* user_data, void*) {
  return of(user_data).h3().on_stream_reset(stream_id);
}

int stream_stop_sending(ngtcp2_conn*, int64_t stream_id, uint64_t, void* user_data, void*) {
  return of(user_data).h3().on_stream_reset(stream_id);
}

int extend_max_remote_streams_bidi(ngtcp2_conn*, uint64_t max_streams, void* user_data) {
  of(user_data).h3().set_max_client_streams(max_streams);
  return 0;
}

int extend_max_stream_data(ngtcp2_conn*, int64_t stream_id, uint64_t, void* user_data, void*) {
  return of(user_data).h3().on_stream_unblocked(stream_id);
}

void random_fill(uint8_t* dest, size_t len, const ngtcp2_rand_ctx*) {
  // ngtcp2 uses this for packet-number skipping and padding, not for secrets.
  if (!random_bytes(dest, len)) std::fill(dest, dest + len, 0);
}

int get_new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen, void* user_data) {
  Connection& c = of(user_data);
  if (!random_bytes(cid->data, cidlen)) return NGTCP2_ERR_CALLBACK_FAILURE;
  cid->datalen = cidlen;
  if (!c.server().secrets().reset_token(token, *cid)) return NGTCP2_ERR_CALLBACK_FAILURE;
  c.server().associate(*cid, &c);
  return 0;
}

int remove_connection_id(ngtcp2_conn*, const ngtcp2_cid* cid, void* user_data) {
  of(user_data).server().dissociate(*cid);
  return 0;
}

int recv_tx_key(ngtcp2_conn*, ngtcp2_encryption_level level, void* user_data) {
  // The server can send 1-RTT data once it has sent its Finished; HTTP/3 starts here so that
  // 0-RTT requests find their session.
  if (level != NGTCP2_ENCRYPTION_LEVEL_1RTT) return 0;
  return of(user_data).h3().setup() == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

ngtcp2_callbacks make_callbacks() {
  ngtcp2_callbacks cb{};
  cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.handshake_completed = handshake_completed;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.recv_stream_data = recv_stream_data;
  cb.acked_stream_data_offset = acked_stream_data_offset;
  cb.stream_close = stream_close;
  cb.rand = random_fill;
  cb.get_new_connection_id = get_new_connection_id;
  cb.remove_connection_id = remove_connection_id;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.stream_reset = stream_reset;
  cb.extend_max_remote_streams_bidi = extend_max_remote_streams_bidi;
  cb.extend_max_stream_data = extend_max_stream_data;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.stream_stop_sending = stream_stop_sending;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.recv_tx_key = recv_tx_key;
  return cb;
}

}  // namespace

const ngtcp2_callbacks& Connection::callbacks() {
  static const ngtcp2_callbacks cb = make_callbacks();  // immutable after first use
  return cb;
}

int Connection::on_handshake_completed() {
  handshake_done_ = true;
  server_.handshake_completed(this);
  ServerStats& stats = server_.stats();
  ++stats.handshakes;
  if (tls_.resumed()) ++stats.resumed;
  if (server_.options().careful_resume && tls_.resumed() && !saved_path_offered_) note_careful_resume(CarefulResumeOutcome::NoState);
  // A ticket failure costs the client its next 0-RTT, not this connection.
  tls_.send_ticket();
  new_token_due_ = true;  // submitted once the ticket is written (Connection::write)
  return 0;
}

void Connection::submit_new_token() {
  // NEW_TOKEN (RFC 9000 §8.1.3): the next connection from this address skips a Retry and is not
  // held to 3x what it sent before its address is validated.
  std::array<uint8_t, NGTCP2_CRYPTO_MAX_REGULAR_TOKENLEN> token;
  const ngtcp2_path* path = ngtcp2_conn_get_path(conn_);
  const ngtcp2_ssize len = server_.secrets().regular_token(token.data(), path->remote.addr, path->remote.addrlen);
  if (len > 0) ngtcp2_conn_submit_new_token(conn_, token.data(), static_cast<size_t>(len));
}

int Connection::on_recv_stream_data(uint32_t flags, int64_t stream_id, const uint8_t* data, size_t len) {
  if (!h3_.ready()) return 0;
  return h3_.on_stream_data(stream_id, data, len, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0,
                            (flags & NGTCP2_STREAM_DATA_FLAG_0RTT) != 0);
}

}  // namespace h3edge
