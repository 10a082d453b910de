// Format dispatch for the text readers.
#include "traces/readers/import.h"

#include <algorithm>

#include "traces/readers/android_reader.h"
#include "traces/readers/mapped_file.h"
#include "traces/readers/mtrace_reader.h"
#include "traces/readers/raw_reader.h"
#include "traces/readers/rep_reader.h"
#include "traces/readers/text_reader.h"
#include "traces/readers/wee_reader.h"
#include "traces/trace_error.h"

namespace heapreplay {

Trace parse_trace(std::string_view text, TraceFormat format, const std::string& path) {
  switch (format) {
    case TraceFormat::kRep: return read_rep(text, path);
    case TraceFormat::kMtrace: return read_mtrace(text, path);
    case TraceFormat::kRaw: return read_raw(text, path);
    case TraceFormat::kWee: return read_wee(text, path);
    case TraceFormat::kText: return read_text(text, path);
    case TraceFormat::kAndroid: return read_android(text, path);
    case TraceFormat::kHrt: break;
  }
  throw TraceError(path, 0, "is a binary .hrt trace, not a text format: open it with the .hrt reader");
}

Trace import_trace(const std::string& path, std::optional<TraceFormat> forced) {
  MappedFile file(path);
  std::string_view text = file.text();
  TraceFormat format = forced ? *forced : detect_format(text.substr(0, std::min(text.size(), kDetectHeadBytes)), path);
  return parse_trace(text, format, path);
}

}  // namespace heapreplay
