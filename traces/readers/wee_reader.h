// Reader for the wee_alloc test traces (valgrind --trace-malloc output turned
// into Rust literals: `Alloc(<bytes>),` and `Free(<k>),`).
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole wee_alloc trace held in memory into a Trace (format "wee").
// Free(k) names the k-th Alloc line (0-based, Alloc lines only); a Free of an
// index not yet allocated or already freed is counted in
// import.unmatched_free and skipped. Throws TraceError
// `path_for_messages:LINE: what` on the first malformed line.
Trace read_wee(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line starts with
// `Alloc(` or `Free(`.
bool sniff_wee(const SniffHead& head);

}  // namespace heapreplay
