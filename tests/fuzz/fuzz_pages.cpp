// libFuzzer target: the pages design (Go page allocator) under requests decoded
// from the input (design_driver.h).
#include "allocators/pages/pages.h"
#include "design_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_design<heapreplay::Pages>("pages",
                                                          {{"memory_heap_bytes", {"32768", "4096", "1M", "256"}},
                                                           {"page_size_bytes", {"4096", "256", "65536", "1024"}},
                                                           {"grow_bytes", {"1M", "4096", "256"}},
                                                           {"heap_limit_bytes", {"4G", "1M", "64K"}},
                                                           {"relative_addresses", {""}}},
                                                          data, size);
}
