// An in-memory trace (what readers produce) and a read-only view of one (what
// replay consumes; also what an mmapped `.hrt` file gives without copying).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "traces/event.h"

namespace heapreplay {

// What an importer met in the source that is not an event of the trace.
struct ImportStats {
  std::uint64_t unmatched_free = 0;     // free of an object never seen allocated (skipped)
  std::uint64_t unmatched_realloc = 0;  // realloc of an object never seen allocated (became realloc(NULL))
  std::uint64_t reused_live = 0;        // allocation returned an address/id still live (see TraceBuilder)
  std::uint64_t failed_in_source = 0;   // calls that failed in the recorded program (not replayed)
  std::uint64_t source_lines = 0;       // lines (or records) read
  std::uint64_t missing_size = 0;       // rep ops with no size, given the previous op's size (alaska.rep)
  std::uint64_t ignored_lines = 0;      // non-blank lines after the last op a format reads (rep: past num_ops)
};

struct TraceView {
  std::span<const Event> events;
  std::span<const std::uint64_t> timestamps_ns;  // empty, or one per event
  std::uint32_t object_count = 0;
  std::uint32_t thread_count = 0;
};

struct Trace {
  std::string format;  // the source format's name, e.g. "rep", "mtrace"
  std::vector<Event> events;
  std::vector<std::uint64_t> timestamps_ns;  // empty, or one per event
  std::uint32_t object_count = 0;
  std::uint32_t thread_count = 0;
  ImportStats import;

  TraceView view() const { return {events, timestamps_ns, object_count, thread_count}; }
};

}  // namespace heapreplay
