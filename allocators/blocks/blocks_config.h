// Configuration of the blocks design (seed 001, MeMager): a pool of equal
// blocks, one header byte in the first block of each allocation, a bump
// "current" pointer that rolls back over trailing free blocks.
//
// Defaults are the original's example, init_memory(64, 10) (data README
// section 7).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

struct BlocksConfig {
  // block_size of init_memory(block_size, blocks_count): bytes per block, header included.
  std::size_t block_size_bytes = 64;
  // blocks_count of init_memory: blocks of the first pool (the whole pool when faithful).
  std::size_t blocks_count = 10;
  // Default mode only (ours): blocks of each extra segment when no free run fits.
  std::size_t grow_blocks = 16384;
  // The original exactly: 1-byte header, runs of at most 16 blocks, fixed pool, no reuse.
  bool faithful = false;
  // Fault injection of the page source.
  PageSourceConfig page_source;

  // The keys from_options reads (besides PageSourceConfig's), for `list --options`.
  static constexpr OptionInfo kOptions[] = {
      unsigned_option("block_size_bytes", 2, std::uint64_t{1} << 30, "64", "bytes per block, header included"),
      unsigned_option("blocks_count", 1, kNoLimit, "10", "blocks of the first pool"),
      unsigned_option("grow_blocks", 1, kNoLimit, "16384", "blocks of each further segment (not faithful)"),
      flag_option("faithful", "0", "the original exactly: 1-byte header, runs of 16 blocks at most, a fixed pool"),
  };

  // Reads the fields above (keys = field names, `faithful` a flag) and the
  // PageSourceConfig keys. Throws OptionError on a bad value or an invalid
  // combination; the caller calls opts.finish() afterwards.
  static BlocksConfig from_options(OptionMap& opts) {
    BlocksConfig c;
    if (auto v = opts.take_u64("block_size_bytes")) c.block_size_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("blocks_count")) c.blocks_count = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("grow_blocks")) c.grow_blocks = static_cast<std::size_t>(*v);
    c.faithful = opts.take_flag("faithful");
    c.page_source = PageSourceConfig::from_options(opts);
    if (std::string why = c.validate(); !why.empty()) throw OptionError(opts.owner() + ": " + why);
    return c;
  }

  // Empty when the configuration is usable, otherwise why not.
  std::string validate() const {
    // A block must hold its header and at least one byte; the default mode's
    // header is 16 bytes (flags + request + run length) and must also fit in
    // a free run of one block.
    const std::size_t min_block = faithful ? 2 : 16;
    if (block_size_bytes < min_block || block_size_bytes > (std::size_t{1} << 30))
      return "block_size_bytes must be from " + std::to_string(min_block) + " to 1G";
    if (blocks_count < 1 || blocks_count > (std::size_t{1} << 40) / block_size_bytes)
      return "blocks_count must be at least 1 and the pool at most 1T";
    if (grow_blocks < 1 || grow_blocks > (std::size_t{1} << 40) / block_size_bytes)
      return "grow_blocks must be at least 1 and a segment at most 1T";
    return {};
  }
};

}  // namespace heapreplay
