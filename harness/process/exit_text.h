// How a child's end reads in a run's status: the signal's name, and the last
// line of what it wrote to stderr (the usual place for why it failed).
#pragma once

#include <string.h>

#include <string>

namespace heapreplay {

// "SIGSEGV", or "signal 70" for one without a name.
inline std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The last line of `text` that is not blank, without its line break.
inline std::string last_line(const std::string& text) {
  std::size_t end = text.find_last_not_of("\n\r ");
  if (end == std::string::npos) return "";
  std::size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

}  // namespace heapreplay
