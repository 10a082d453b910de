// Getting traces of any supported format ready for replay: `.hrt` files are
// used in place; every other format is imported and converted to a temporary
// `.hrt` (children replay from a mapped `.hrt` only).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "traces/trace.h"
#include "traces/trace_builder.h"

namespace heapreplay {

// Reads any supported trace into memory. `format` forces a format by name
// ("" detects it from the content). Throws TraceError.
Trace load_trace(const std::string& path, const std::string& format = "");

// The format a file is in (by content, or forced); throws TraceError.
std::string trace_format_of(const std::string& path, const std::string& format = "");

struct PreparedTrace {
  std::string label;     // the path as the user gave it
  std::string hrt_path;  // the file children replay
  std::string format;    // the source format
  std::uint64_t threads = 0;
  std::uint64_t objects = 0;
  TraceSummary summary;
  ImportStats import;
};

// Owns a private temporary folder for converted traces; removes it (and
// everything in it) when destroyed.
class TraceWorkspace {
 public:
  TraceWorkspace();
  ~TraceWorkspace();
  TraceWorkspace(const TraceWorkspace&) = delete;
  TraceWorkspace& operator=(const TraceWorkspace&) = delete;

  // Imports `path` if needed and summarises it. Throws TraceError.
  PreparedTrace prepare(const std::string& path, const std::string& format = "");
  // Writes an in-memory trace (e.g. a generated workload) as `name`.hrt.
  PreparedTrace add(const Trace& trace, const std::string& label);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int counter_ = 0;
};

}  // namespace heapreplay
