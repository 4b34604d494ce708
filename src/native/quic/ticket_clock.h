// The clock GnuTLS reads, so session tickets are issued one second older than they are.
// GnuTLS refuses a client's early data when the client reports a ticket older than the
// server's own view of it (lib/tls13/anti_replay.c). BoringSSL (Chromium, quiche) reports the
// age in whole seconds, up to a second over the true age, so about every other 0-RTT attempt
// of those clients was refused and resent after the handshake. With the creation time a second
// back, the server's view is never the smaller; the ticket expires a second early.
#pragma once

namespace h3edge {

/** Gives GnuTLS our clock (once per process); false when this GnuTLS has no hook for it. */
bool install_ticket_clock();

/** While one exists, GnuTLS's clock runs one second behind (tickets created meanwhile look older). */
class BackdatedTickets {
 public:
  BackdatedTickets();
  ~BackdatedTickets();
  BackdatedTickets(const BackdatedTickets&) = delete;
  BackdatedTickets& operator=(const BackdatedTickets&) = delete;
};

}  // namespace h3edge
