// Reader for the text that Android's malloc debug writes with its
// record_allocs option (bionic libc/malloc_debug; the same lines the
// memory_replay tool reads): one call per line, with the calling thread.
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole record_allocs dump held in memory into a Trace (format
// "android"). Addresses are keys for TraceBuilder with ReusePolicy::kFreeOld;
// each thread id becomes a dense thread index, and a thread id seen again
// after its `thread_done` line is a new thread (the kernel reuses ids).
// Timestamps, when the lines carry them, are the calls' start times; they are
// all or nothing. Throws TraceError `path_for_messages:LINE: what` on the
// first malformed line. The grammar is in traces/FORMAT.md.
Trace read_android(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is a decimal
// thread id, a colon, one of the record_allocs ops and a hex pointer
// ("186: malloc 0xb6038060 20").
bool sniff_android(const SniffHead& head);

}  // namespace heapreplay
