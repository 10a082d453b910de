// Text renderings of a report for a terminal: one row per (trace, allocator),
// medians over repetitions.
#pragma once

#include <string>

#include "reports/run_result.h"

namespace heapreplay {

// Columns: trace, allocator, ok runs / all, ns/event, Mevents/s, peak RSS,
// peak live, failed allocations; a failed run shows its status instead.
std::string render_table(const Report& report);

// "12.3 MiB" style.
std::string human_bytes(double bytes);

}  // namespace heapreplay
