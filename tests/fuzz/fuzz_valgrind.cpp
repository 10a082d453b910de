// libFuzzer target: the valgrind trace reader, as `heapreplay replay/info/convert`
// use it (format detection on the head, then the reader), and the checks of
// fuzz_support.h on whatever trace it accepts.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_text_reader(data, size, heapreplay::TraceFormat::kValgrind);
}
