// Filtering a trace by thread, request size and operation.
//
// Threads and sizes select objects: an object is kept when the thread that
// allocated it is selected and its first request size is in range, and then
// every event on it is kept, whatever thread makes it (a cross-thread free
// stays one). Operations select events: an allocation whose op is left out
// leaves its object out; a free left out leaves its object live (a leak); a
// realloc left out leaves the object at its previous size; free(NULL) counts
// as free and realloc(NULL) as realloc. Thread ids and timestamps are kept.
#pragma once

#include <cstdint>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

struct FilterOptions {
  std::vector<std::uint32_t> threads;  // empty: every thread
  std::uint64_t min_size = 0, max_size = ~std::uint64_t{0};
  std::uint32_t op_mask = (1u << kOpCount) - 1;  // bit (1 << Op) per operation kept
};

// Precondition: a valid trace. The result's format is the source's.
Trace filter_trace(const Trace& source, const FilterOptions& options);

}  // namespace heapreplay
