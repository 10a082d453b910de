// libFuzzer target: the sizeclass design under requests decoded from the input
// (design_driver.h).
#include "allocators/sizeclass/sizeclass.h"
#include "design_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_design<heapreplay::Sizeclass>(
      "sizeclass",
      {{"memory_alignment_bytes", {"8", "16", "64", "4096"}},
       {"max_heap_size_bytes", {"512", "64", "4096"}},
       {"initial_list_mem_size_bytes", {"512", "0", "8", "4096"}},
       {"add_list_size_bytes", {"512", "0", "8", "4096"}},
       {"segment_bytes", {"64K", "1M", "64M"}}},
      data, size);
}
