// Shared by the recording tests: run tests/support/known_allocs under a
// tool, read the figures it prints about itself, and work out the same
// figures from an imported trace, between the program's two marker blocks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>

#include "traces/trace.h"

namespace heapreplay::testing {

inline constexpr std::uint64_t kBeginMark = 999983;  // known_allocs.c's BEGIN_MARK
inline constexpr std::uint64_t kEndMark = 999979;    // and END_MARK

// The calls a trace or the program counts between the markers.
struct WindowFigures {
  std::uint64_t malloc = 0, calloc = 0, aligned = 0, realloc = 0, free = 0;
  std::uint64_t peak = 0, final = 0;
  bool found = false;  // both markers were in the trace
};

// What known_allocs printed ("known_allocs: malloc=M ..."), from its output.
inline WindowFigures program_figures(const std::string& output) {
  WindowFigures f;
  const std::size_t at = output.find("known_allocs: ");
  if (at == std::string::npos) return f;
  unsigned long long v[7];
  if (std::sscanf(output.c_str() + at,
                  "known_allocs: malloc=%llu calloc=%llu aligned=%llu realloc=%llu free=%llu peak=%llu final=%llu",
                  &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
    return f;
  f = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], true};
  return f;
}

// The trace's events after the free of the begin marker and before the
// malloc of the end marker, counted, and the live bytes of the objects made
// in between (realloc counting its new size in place of the old).
inline WindowFigures trace_figures(const Trace& t) {
  WindowFigures f;
  std::size_t i = 0;
  while (i < t.events.size() && !(t.events[i].op != Op::kFree && t.events[i].size == kBeginMark)) ++i;
  if (i == t.events.size()) return f;
  const std::uint32_t mark = t.events[i].id;
  while (++i < t.events.size() && !(t.events[i].op == Op::kFree && t.events[i].id == mark)) {
  }
  std::unordered_map<std::uint32_t, std::uint64_t> size;
  std::uint64_t live = 0;
  for (++i; i < t.events.size(); ++i) {
    const Event& e = t.events[i];
    if (e.op != Op::kFree && e.op != Op::kRealloc && e.size == kEndMark) {
      f.found = true;
      break;
    }
    switch (e.op) {
      case Op::kMalloc: ++f.malloc; break;
      case Op::kCalloc: ++f.calloc; break;
      case Op::kAligned: ++f.aligned; break;
      case Op::kRealloc: ++f.realloc; break;
      case Op::kFree: ++f.free; break;
      default: break;
    }
    if (e.op == Op::kFree) {
      live -= size[e.id];
      size.erase(e.id);
    } else {
      live = live - size[e.id] + e.size;
      size[e.id] = e.size;
    }
    f.peak = std::max(f.peak, live);
  }
  f.final = live;
  return f;
}

// A fresh folder for one test's recordings, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hr-recording-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a shell command, its output (stdout and stderr) into `log`; returns
// the exit status and the output.
inline std::pair<int, std::string> run_shell(const std::string& command, const std::string& log) {
  const int rc = std::system((command + " >" + log + " 2>&1").c_str());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  return {rc, ss.str()};
}

inline std::string known_allocs_program() { return std::string(HR_BIN_DIR) + "/known_allocs"; }

}  // namespace heapreplay::testing
