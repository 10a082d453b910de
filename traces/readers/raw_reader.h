// Reader for the malloc-lab raw recordings made by get-trace.o (m/c/r/f lines
// with real addresses, the input of the CMU real-program .rep files).
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole raw trace held in memory into a Trace (format "raw",
// addresses mapped by TraceBuilder with ReusePolicy::kFreeOld). The "/pid"
// after an address names its process: each process's addresses are objects
// of its own (a forked child's allocation at an address its parent holds
// live is another object). A NULL result (p = 0 with a
// non-zero size) is a call that failed in the source: counted in
// import.failed_in_source and not replayed. Throws TraceError
// `path_for_messages:LINE: what` on the first malformed line.
Trace read_raw(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is an m/c/r/f
// call whose operand is a pointer (`0` or `0x...`, with an optional `/pid`),
// or there are only '#' comment lines so far (get-trace's header can be
// longer than the head detection reads).
bool sniff_raw(const SniffHead& head);

}  // namespace heapreplay
