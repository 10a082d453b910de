// Slicing a trace: a range of its events as a trace of its own.
//
// Objects that the slice sees born and that are still live at its end are
// freed there when `close` is set (in the order they were born, each by the
// thread that made its block), so the slice ends with an empty heap as a
// program would. Objects born before the slice are handled as `prior` says:
//   kDrop:     they do not exist for the slice: their frees are dropped, and a
//              realloc of one becomes realloc(NULL, size), a fresh object that
//              the slice then follows;
//   kAllocate: the slice starts by allocating each object live at its start
//              (its current size, its op, on its thread; oldest first), so the
//              slice runs against a heap of the same live contents (not of the
//              same layout: the history that fragmented it is not replayed).
// Thread ids and timestamps are kept as they are.
#pragma once

#include <cstdint>

#include "traces/trace.h"

namespace heapreplay {

struct SliceOptions {
  enum class Prior { kDrop, kAllocate };
  std::uint64_t begin_event = 0;                // first event kept
  std::uint64_t end_event = ~std::uint64_t{0};  // one past the last (clamped to the trace)
  Prior prior = Prior::kDrop;
  bool close = true;
};

struct SliceReport {
  std::uint64_t events_in_range = 0;
  std::uint64_t prior_objects = 0;   // objects live when the slice begins
  std::uint64_t dropped_events = 0;  // kDrop: frees (and reallocs to 0) of prior objects left out
  std::uint64_t fresh_reallocs = 0;  // kDrop: reallocs of prior objects turned into realloc(NULL)
  std::uint64_t closed_objects = 0;  // frees added at the end
};

// Precondition: a valid trace. The result's format is the source's.
Trace slice_trace(const Trace& source, const SliceOptions& options, SliceReport* report = nullptr);

// The event range [first event with time >= begin_ns, last event with time <
// end_ns] + 1, for slicing by time. Throws std::invalid_argument when the
// trace has no timestamps. An empty range comes back as begin == end.
std::pair<std::uint64_t, std::uint64_t> event_range_of_time(const Trace& source, std::uint64_t begin_ns,
                                                            std::uint64_t end_ns);

}  // namespace heapreplay
