// Reader for heaptrack's recordings (KDE heaptrack, as Debian 12 ships it,
// 1.4): both the interpreted data file that `heaptrack PROG` leaves
// (heaptrack.PROG.PID.zst, from heaptrack_interpret) and the raw stream that
// `heaptrack --raw` keeps instead (PROG.PID.raw.zst). Compressed files are
// decompressed before a reader sees them (traces/readers/compressed.h).
#pragma once

#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Parses a whole heaptrack file, either dialect, held in memory into a
// Trace (format "heaptrack"). The first '+' or 'a' line tells the dialect:
// the raw stream names every allocation by its pointer ("+ SIZE TRACE PTR",
// "- PTR"); the interpreted file names it by an allocation-info index
// ("a SIZE TRACE" defines one, "+ INDEX" and "- INDEX" use it), and a free
// is paired with the latest live allocation of the same index. Everything is
// on thread 0 and untimed. Throws TraceError `path_for_messages:LINE: what`
// on the first malformed line. The grammar, and what heaptrack leaves out,
// is in traces/FORMAT.md.
Trace read_heaptrack(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): the first line is heaptrack's
// version line, "v" and one or two hex numbers ("v 10400 3").
bool sniff_heaptrack(const SniffHead& head);

}  // namespace heapreplay
