// Reader for malloc-lab `.rep` traces (CS:APP classic, CMU 2010-15 and CMU
// 2016 headers). traces/FORMAT.md lists the quirks it accepts and why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// The four header numbers, interpreted. The generation is guessed the way the
// data README says: line 1 > 3 can only be a heap size, so the file is classic.
struct RepHeader {
  bool classic = false;                    // line 1 > 3: heap size first, weight last
  std::uint64_t weight = 0;                // classic: line 4 (always 1); CMU: line 1 (0..3)
  std::uint64_t num_ids = 0;               // ids run 0..num_ids-1
  std::uint64_t num_ops = 0;               // ops read; later lines are ignored
  std::uint64_t suggested_heap_bytes = 0;  // classic line 1 (unused by the drivers); 0 for CMU
  std::uint64_t cmu_line4 = 0;             // CMU line 4: ignore_ranges (0/1) or, in 2016 files,
                                           // max_alloc = peak live payload bytes; 0 for classic
};

// Parses a whole .rep held in memory into a Trace (format "rep", ids kept by
// TraceBuilder with ReusePolicy::kLeakOld, as the drivers overwrite ptr[id]).
// If header is not null it receives the header. Throws TraceError
// `path_for_messages:LINE: what` on the first malformed line, and
// `path_for_messages: expected N ops, found M` when the file ends early.
Trace read_rep(std::string_view text, const std::string& path_for_messages, RepHeader* header);

// The same without the header: the format table's reader (trace_format.h).
Trace read_rep(std::string_view text, const std::string& path_for_messages);

// The format table's sniffer (trace_format.h): four unsigned numbers from the
// first line on (separated by any whitespace, newlines included), then
// nothing or an a/r/f op.
bool sniff_rep(const SniffHead& head);

}  // namespace heapreplay
