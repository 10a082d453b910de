// The one entry point for reading a text trace file, whatever its format.
// Every reader is a pure function of its input: any number of threads may
// import at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "traces/readers/trace_format.h"
#include "traces/trace.h"

namespace heapreplay {

// Reads the file at path as the format forced, or as detect_format says
// (from its content) when forced is nullopt. Throws TraceError for a file
// that cannot be read, one whose format cannot be told, a malformed line
// (`PATH:LINE: what`), and for an .hrt file, which is binary and has its own
// reader (traces/hrt_format.h).
Trace import_trace(const std::string& path, std::optional<TraceFormat> forced = std::nullopt);

// Parses text already in memory as the given text format. path_for_messages
// only names the input in errors. Throws TraceError as import_trace does
// (kHrt included).
Trace parse_trace(std::string_view text, TraceFormat format, const std::string& path_for_messages);

}  // namespace heapreplay
