// Reader for heapreplay-text, our own line format, which can say everything
// the event model can (threads, timestamps, calloc, aligned calls, free(NULL),
// realloc(NULL)). Grammar and meaning: traces/FORMAT.md.
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole heapreplay-text file held in memory into a Trace (format
// "text"; the file's object names are mapped by TraceBuilder with
// ReusePolicy::kLeakOld, thread names become dense indexes in first-seen
// order). Timestamps are all or nothing: once the first event has (or lacks)
// one, every event must. Throws TraceError `path_for_messages:LINE: what` on
// the first malformed line.
Trace read_text(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is
// `heapreplay-text`, alone or followed by a space (the reader then checks the
// version).
bool sniff_text(const SniffHead& head);

}  // namespace heapreplay
