// libFuzzer target: the segfit design (sf_malloc) under requests decoded from
// the input (design_driver.h).
#include "allocators/segfit/segfit.h"
#include "design_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_design<heapreplay::Segfit>("segfit",
                                                           {{"page_bytes", {"8192", "4096", "65536"}},
                                                            {"max_heap_pages", {"16", "1", "4", "1000"}},
                                                            {"heap_reserve_bytes", {"1M", "64K", "16G"}}},
                                                           data, size);
}
