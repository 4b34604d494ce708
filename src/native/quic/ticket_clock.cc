#include "ticket_clock.h"

#include <dlfcn.h>
#include <time.h>

namespace h3edge {

namespace {
constexpr time_t kBackdateSec = 1;
// The addon runs on one thread; thread_local keeps a second one (none today) out of it.
thread_local bool backdating = false;

void ticket_clock(struct timespec* t) {
  clock_gettime(CLOCK_REALTIME, t);  // GnuTLS's own default
  if (backdating) t->tv_sec -= kBackdateSec;
}

using SetGettime = void (*)(void (*)(struct timespec*));
}  // namespace

bool install_ticket_clock() {
  static const bool installed = [] {
    // GnuTLS's hook for its clock is exported for its own tests (GNUTLS_PRIVATE_3_4), not
    // declared in a header: looked up in the copy already loaded, never linked against.
    void* lib = dlopen("libgnutls.so.30", RTLD_LAZY | RTLD_NOLOAD);
    if (lib == nullptr) return false;
    auto set = reinterpret_cast<SetGettime>(dlsym(lib, "_gnutls_global_set_gettime_function"));
    dlclose(lib);
    if (set == nullptr) return false;
    set(ticket_clock);
    return true;
  }();
  return installed;
}

BackdatedTickets::BackdatedTickets() { backdating = true; }
BackdatedTickets::~BackdatedTickets() { backdating = false; }

}  // namespace h3edge
