// The text of a failed GnuTLS call: what was called and GnuTLS's own words.
#pragma once

#include <string>

#include <gnutls/gnutls.h>

namespace h3edge {

inline std::string gnutls_message(const char* what, int rv) { return std::string(what) + ": " + gnutls_strerror(rv); }

}  // namespace h3edge
