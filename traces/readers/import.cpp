// Format dispatch for the text readers: the format table (trace_format.h)
// names each format's reader.
#include "traces/readers/import.h"

#include <algorithm>

#include "traces/readers/compressed.h"

namespace heapreplay {

Trace parse_trace(std::string_view text, TraceFormat format, const std::string& path) {
  return format_info(format).read(text, path);
}

Trace import_trace(const std::string& path, std::optional<TraceFormat> forced) {
  TraceText file(path);  // decompressed here when the file is zstd or gzip
  std::string_view text = file.text();
  TraceFormat format = forced ? *forced : detect_format(text.substr(0, std::min(text.size(), kDetectHeadBytes)), path);
  return parse_trace(text, format, path);
}

}  // namespace heapreplay
