// libFuzzer target: the .hrt reader. The input is a flag byte and a file's
// bytes (hrt_input.h: with the flag odd, the checksums are made right first,
// so that the fuzzer reaches the checks behind them). The file is then
// opened, validated and walked the way `info` does, and read in windows
// (of 1 to 128 events, from the flag byte) the way `replay`
// (TraceWorkspace::prepare) and the replay children do: both readers must
// take and refuse the same files, and give the same events.
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "hrt_input.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/trace_source.h"

using namespace heapreplay;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::vector<std::uint8_t> bytes = fuzz::hrt_file_from_input(data, size);
  fuzz::MemFile file(bytes.data(), bytes.size());
  std::vector<Event> streamed;
  std::string stream_error;
  try {
    HrtEventStream s(file.path(), 1 + (data[0] >> 1));
    s.verify_payload();
    while (s.next()) streamed.insert(streamed.end(), s.window().events.begin(), s.window().events.end());
  } catch (const TraceError& e) {
    stream_error = e.what();
    if (stream_error.empty()) fuzz::fail("the stream reader refused a file without saying why");
  }
  try {
    HrtFile f(file.path(), false);
    TraceView v = f.view();
    // What a replay child reads: every event, and the summaries `info` prints.
    (void)summarize(v);
    (void)summarize_threads(v);
    (void)f.source();
    std::uint64_t sum = 0;
    for (const Event& e : v.events) sum += e.size + e.id;
    for (std::uint64_t t : v.timestamps_ns) sum += t;
    (void)sum;
    if (!stream_error.empty()) fuzz::fail("HrtFile opened the file but the stream reader refused it: " + stream_error);
    if (streamed.size() != v.events.size() ||
        (!streamed.empty() && std::memcmp(streamed.data(), v.events.data(), streamed.size() * sizeof(Event)) != 0))
      fuzz::fail("the stream reader gave other events than HrtFile");
  } catch (const TraceError&) {
    if (stream_error.empty()) fuzz::fail("the stream reader took a file HrtFile refused");
    return 0;
  }
  // It opened: load_trace (detection, then read_hrt) must take it as well,
  // and the copy must pass the range checks (fuzz_support.h).
  Trace t;
  try {
    t = load_trace(file.path());
  } catch (const TraceError& e) {
    fuzz::fail(std::string("HrtFile opened the file but load_trace refused it: ") + e.what());
  }
  fuzz::check_trace(t, false);
  return 0;
}
