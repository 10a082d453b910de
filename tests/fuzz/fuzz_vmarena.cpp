// libFuzzer target: the vmarena design under requests decoded from the input
// (design_driver.h); its command language has its own target (fuzz_vma.cpp).
#include "allocators/vmarena/vmarena.h"
#include "design_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_design<heapreplay::Vmarena>("vmarena",
                                                            {{"arena_bytes", {"1M", "4096", "100", "64G"}},
                                                             {"size_granule_bytes", {"16", "1", "4096", "64"}},
                                                             {"sparse", {""}}},
                                                            data, size);
}
