// SIGINT/SIGTERM noted instead of ending the process (see interrupt.h).
#include "harness/process/interrupt.h"

namespace heapreplay {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void note_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
}

}  // namespace

int interrupt_signal() { return g_signal; }

InterruptWatch::InterruptWatch() {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = note_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking call returns EINTR
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptWatch::~InterruptWatch() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

}  // namespace heapreplay
