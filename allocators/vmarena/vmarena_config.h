// Configuration of the vmarena design (seed 004, virtual memory arena), read
// from `-a vmarena:key=value,...`.
#pragma once

#include <cstdint>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

struct VmarenaConfig {
  // Reproduce the original exactly: byte-granular placement (no size
  // rounding) and no block for a request of 0 bytes (allocate(0) is nullptr).
  bool faithful = false;
  // ALLOC_ARENA <size>: the arena this instance creates, reserved once as
  // address space and committed only where blocks are written (0: no arena
  // until create_arena()).
  std::uint64_t arena_bytes = std::uint64_t{64} << 30;
  // Default mode: allocate()'s requests are rounded up to a multiple of this
  // (a power of two up to the OS page) so that 16-byte-aligned lowest fit is
  // exact; ignored when faithful (1 byte).
  std::uint64_t size_granule_bytes = 16;
  // Keep every arena sparse (each written page mapped on its own) even when
  // it could be reserved in one piece; allocate() then always fails. An arena
  // the OS will not reserve is sparse anyway. For tests of the command
  // language.
  bool sparse = false;
  // Fault injection for the page source (fail_map_every, fail_after_bytes).
  PageSourceConfig page_source;

  // The keys from_options reads (besides PageSourceConfig's), for `list --options`.
  static constexpr OptionInfo kOptions[] = {
      flag_option("faithful", "0", "the original exactly: byte-granular placement, allocate(0) is null"),
      unsigned_option("arena_bytes", 0, kNoLimit, "64G", "the arena's size, reserved as address space (0: none)"),
      unsigned_option("size_granule_bytes", 1, 65536, "16",
                      "requests are rounded up to this (a power of two up to the OS page)"),
      flag_option("sparse", "0", "map each written page on its own (for the command language's tests)"),
  };

  // Reads faithful, arena_bytes, size_granule_bytes, sparse and the PageSourceConfig
  // keys from `opts` (taken keys are removed; the caller calls opts.finish()).
  // Throws OptionError for a value the design cannot use.
  static VmarenaConfig from_options(OptionMap& opts);

  // The rounding granule allocate() uses in the chosen mode.
  std::uint64_t granule_bytes() const { return faithful ? 1 : size_granule_bytes; }
};

}  // namespace heapreplay
