// Configuration of the segfit design (seed 002, CSE 320 sf_malloc): the
// original's constants as defaults, read from `-a segfit:key=value,...`.
#pragma once

#include <cstdint>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

struct SegfitConfig {
  // Reproduce the original exactly: the heap stops at max_heap_pages, a
  // request that does not fit grows the heap to that limit before failing, and
  // a request of 0 bytes returns nullptr.
  bool faithful = false;
  // PAGE_SZ: the bytes sf_mem_grow adds to the heap each time (a multiple of the OS page).
  std::uint64_t page_bytes = 8192;
  // The heap limit of the original in pages (sf_mem_grow fails past it); used only when faithful.
  std::uint64_t max_heap_pages = 16;
  // Default mode: address space reserved once for the one contiguous heap; the
  // heap grows into it page by page and a request that cannot fit fails at once.
  std::uint64_t heap_reserve_bytes = std::uint64_t{16} << 30;
  // Fault injection for the page source (fail_map_every, fail_after_bytes).
  PageSourceConfig page_source;

  // The keys from_options reads (besides PageSourceConfig's), for `list --options`.
  static constexpr OptionInfo kOptions[] = {
      flag_option("faithful", "0", "the original exactly: a fixed heap of max_heap_pages, malloc(0) is null"),
      unsigned_option("page_bytes", 4096, kNoLimit, "8192", "bytes the heap grows by (a multiple of the OS page)"),
      unsigned_option("max_heap_pages", 1, kNoLimit, "16", "faithful: the heap's limit in pages"),
      unsigned_option("heap_reserve_bytes", 4096, kNoLimit, "16G", "address space reserved for the heap"),
  };

  // Reads faithful, page_bytes, max_heap_pages, heap_reserve_bytes and the
  // PageSourceConfig keys from `opts` (taken keys are removed; the caller calls
  // opts.finish()). Throws OptionError for a value the design cannot use.
  static SegfitConfig from_options(OptionMap& opts);

  // The most bytes the heap may ever span in the chosen mode (a multiple of page_bytes).
  std::uint64_t heap_limit_bytes() const;
};

}  // namespace heapreplay
