// Reader for LLNL Umpire's replay logs: what a program using Umpire writes
// with UMPIRE_REPLAY=On, one JSON object per line ("kind":"replay", "uid",
// "timestamp", "event", "payload", "result"), as Umpire's "Logging and
// Replay of Umpire Events" documentation shows it.
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole replay log held in memory into a Trace (format "umpire").
// An allocation is the "allocate" line that carries its result (the line
// before it, the intent, only counts toward failures: an intent never
// followed by its result is a failed allocation); a "deallocate" frees the
// pointer it names in the allocator it names (pointers of two allocators may
// be equal). Each uid (process id or MPI rank) becomes a thread; the
// timestamps are the events' times in ns. version, makeMemoryResource and
// makeAllocator lines are checked and skipped; events the documentation does
// not list are skipped and counted (ImportStats::ignored_lines). Throws
// TraceError `path_for_messages:LINE: what` on the first malformed line.
// The grammar is in traces/FORMAT.md.
Trace read_umpire(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is a JSON
// object with "kind" and "replay" in it.
bool sniff_umpire(const SniffHead& head);

}  // namespace heapreplay
