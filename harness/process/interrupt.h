// Interrupting a session: while an InterruptWatch is alive, SIGINT and SIGTERM
// no longer end heapreplay; they are noted, so that the driver can stop
// starting runs, kill the run in progress, and still write what it has.
//
// The handler only stores the signal number (async-signal-safe); everything
// else happens in the driver's own code when it next looks. Installed without
// SA_RESTART, so that a poll() or waitpid() the signal lands in returns EINTR
// and the driver looks at once.
#pragma once

#include <csignal>

namespace heapreplay {

// The first SIGINT/SIGTERM received while a watch was alive, or 0.
int interrupt_signal();

class InterruptWatch {
 public:
  // Installs the handlers for SIGINT and SIGTERM and clears any earlier note.
  InterruptWatch();
  // Puts back the handlers that were there before.
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace heapreplay
