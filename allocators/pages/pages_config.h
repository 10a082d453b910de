// Configuration of the pages design (seed 003, a Go page allocator): a heap
// of equal pages, each Free, Divided into blocks of one power-of-two class,
// or part of a Multi block of whole pages.
//
// Defaults are the original's constants, MemoryHeap = 32768 and
// PageSize = 4096 (data README section 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

struct PagesConfig {
  // MemoryHeap: heap bytes at init, rounded down to whole pages (all of it when faithful).
  std::size_t memory_heap_bytes = 32768;
  // PageSize: bytes per page (a power of two, 256..65536).
  std::size_t page_size_bytes = 4096;
  // Default mode only (ours): heap growth step when no page run fits.
  std::size_t grow_bytes = std::size_t{1} << 20;
  // Default mode only (ours): largest heap, reserved as address space up front.
  std::size_t heap_limit_bytes = std::size_t{4} << 30;
  // dump() prints addresses as offsets from the heap base (stable output).
  bool relative_addresses = false;
  // The original exactly: fixed heap, realloc always moves, stray debug line.
  bool faithful = false;
  // Fault injection of the page source.
  PageSourceConfig page_source;

  // The keys from_options reads (besides PageSourceConfig's), for `list --options`.
  static constexpr OptionInfo kOptions[] = {
      unsigned_option("memory_heap_bytes", 256, std::uint64_t{1} << 40, "32768", "heap bytes at start (whole pages)"),
      unsigned_option("page_size_bytes", 256, 65536, "4096", "bytes per page (a power of two)"),
      unsigned_option("grow_bytes", 256, kNoLimit, "1M", "heap growth step (not faithful)"),
      unsigned_option("heap_limit_bytes", 256, std::uint64_t{1} << 40, "4G",
                      "largest heap, reserved up front (not faithful)"),
      flag_option("relative_addresses", "0", "dump() shows offsets from the heap's start"),
      flag_option("faithful", "0", "the original exactly: a fixed heap, realloc always moves"),
  };

  // Reads the fields above (keys = field names; `faithful` and
  // `relative_addresses` are flags) and the PageSourceConfig keys. Throws
  // OptionError on a bad value or combination; the caller calls opts.finish().
  static PagesConfig from_options(OptionMap& opts) {
    PagesConfig c;
    if (auto v = opts.take_u64("memory_heap_bytes")) c.memory_heap_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("page_size_bytes")) c.page_size_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("grow_bytes")) c.grow_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("heap_limit_bytes")) c.heap_limit_bytes = static_cast<std::size_t>(*v);
    c.relative_addresses = opts.take_flag("relative_addresses");
    c.faithful = opts.take_flag("faithful");
    c.page_source = PageSourceConfig::from_options(opts);
    if (std::string why = c.validate(); !why.empty()) throw OptionError(opts.owner() + ": " + why);
    return c;
  }

  // Empty when the configuration is usable, otherwise why not.
  std::string validate() const {
    // Free blocks link through 16-bit offsets inside their page.
    if (!is_power_of_two(page_size_bytes) || page_size_bytes < 256 || page_size_bytes > 65536)
      return "page_size_bytes must be a power of two from 256 to 65536";
    if (memory_heap_bytes < page_size_bytes) return "memory_heap_bytes must hold at least one page";
    if (!faithful) {
      if (heap_limit_bytes < memory_heap_bytes) return "heap_limit_bytes must be at least memory_heap_bytes";
      if (grow_bytes < page_size_bytes) return "grow_bytes must be at least one page";
    }
    std::size_t limit = faithful ? memory_heap_bytes : heap_limit_bytes;
    if (limit > (std::size_t{1} << 40) || limit / page_size_bytes >= (std::size_t{1} << 32))
      return "the heap may be at most 1T and fewer than 2^32 pages";
    return {};
  }
};

}  // namespace heapreplay
