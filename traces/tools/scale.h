// Scaling a trace: request sizes times a factor, threads times a count.
//
// Sizes: each request size s becomes max(1, round(s * num / den)) in exact
// integer arithmetic (a calloc that overflowed stays so; realloc to 0 stays
// 0). Threads: each event is emitted `thread_copies` times in a row, copy j
// on thread t * copies + j with objects of its own, so the result runs the
// same program on that many times the threads, interleaved event by event.
#pragma once

#include <cstdint>

#include "traces/trace.h"

namespace heapreplay {

struct ScaleOptions {
  std::uint64_t size_num = 1, size_den = 1;  // factor num / den; den > 0
  std::uint32_t thread_copies = 1;           // >= 1
};

// Throws std::invalid_argument when the result would have more than 65535
// threads. The result's format is the source's.
Trace scale_trace(const Trace& source, const ScaleOptions& options);

// s * num / den rounded to nearest (halves up), at least 1, saturating.
std::uint64_t scale_size(std::uint64_t size, std::uint64_t num, std::uint64_t den);

}  // namespace heapreplay
