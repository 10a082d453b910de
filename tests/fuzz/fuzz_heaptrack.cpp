// libFuzzer target: the heaptrack reader, as `heapreplay replay/info/convert`
// use it, compressed inputs included: the bytes go through the file loader
// (which decompresses zstd and gzip, here with a 64 MiB limit so that a bomb
// stays within the fuzzer's memory), then format detection and the reader,
// and fuzz_support.h's checks on whatever trace it accepts.
#include "fuzz_support.h"
#include "traces/readers/compressed.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  heapreplay::fuzz::MemFile file(data, size);
  std::string text;
  try {
    text = std::string(heapreplay::TraceText(file.path(), std::uint64_t{64} << 20).text());
  } catch (const heapreplay::TraceError&) {
    return 0;  // corrupt, truncated or too large, reported as such
  }
  return heapreplay::fuzz::fuzz_text_reader(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(),
                                            heapreplay::TraceFormat::kHeaptrack);
}
