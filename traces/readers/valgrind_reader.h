// Reader for the log that valgrind writes with --trace-malloc=yes (3.19, as
// Debian 12 ships it): one "--PID-- call(args) = result" line per call of
// the malloc family, among valgrind's other lines and, when the log is
// stderr, the program's own output.
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole --trace-malloc log held in memory into a Trace (format
// "valgrind"). Only the calls of the first process id in the log are read
// (a forked child's lines carry its own id and are skipped); lines without
// a "--PID-- " prefix, "==PID==" lines and valgrind's other "--PID--"
// messages are skipped. A call whose result is split from it (realloc(p, 0)
// prints the free it makes in between) is joined again. Everything is on
// thread 0 and untimed. Throws TraceError `path_for_messages:LINE: what` on
// the first malformed call. The grammar is in traces/FORMAT.md.
Trace read_valgrind(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is a valgrind
// line ("==PID== ..." or "--PID-- ..."), or a "--PID-- " malloc-family call
// appears among the head's first lines (after the program's own output).
bool sniff_valgrind(const SniffHead& head);

}  // namespace heapreplay
