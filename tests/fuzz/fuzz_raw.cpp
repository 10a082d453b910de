// libFuzzer target: the raw trace reader, as `heapreplay replay/info/convert`
// use it (format detection on the head, then the reader), and the checks of
// fuzz_support.h on whatever trace it accepts.
#include <algorithm>

#include "fuzz_support.h"
#include "traces/readers/import.h"

using namespace heapreplay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)detect_format(text.substr(0, std::min(text.size(), kDetectHeadBytes)), "fuzz-input");
  } catch (const TraceError&) {
  }
  Trace t;
  try {
    t = parse_trace(text, TraceFormat::kRaw, "fuzz-input");
  } catch (const TraceError&) {
    return 0;  // malformed input, reported as such: what a reader must do
  }
  fuzz::check_trace(t);
  return 0;
}
