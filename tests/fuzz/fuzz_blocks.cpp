// libFuzzer target: the blocks design (MeMager) under requests decoded from
// the input, its write/read/move included (design_driver.h).
#include "allocators/blocks/blocks.h"
#include "design_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return heapreplay::fuzz::fuzz_design<heapreplay::Blocks>("blocks",
                                                           {{"block_size_bytes", {"64", "2", "16", "24", "4096"}},
                                                            {"blocks_count", {"10", "1", "100", "1000"}},
                                                            {"grow_blocks", {"16384", "1", "64"}}},
                                                           data, size);
}
