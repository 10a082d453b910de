// Reader for glibc mtrace() logs (MALLOC_TRACE files).
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole mtrace log held in memory into a Trace (format "mtrace",
// addresses mapped by TraceBuilder with ReusePolicy::kFreeOld, since an
// address can only come back after a free). Failed calls ('!', or a NULL
// result) are counted in import.failed_in_source and not replayed. Throws
// TraceError `path_for_messages:LINE: what` on the first malformed line.
Trace read_mtrace(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is `= Start`,
// `= End`, `@ ...`, or a record with no caller (`+ 0x...`, `- (nil)`, ...).
bool sniff_mtrace(const SniffHead& head);

}  // namespace heapreplay
