// Configuration of the sizeclass design (seed 000, a Rust malloc): one free
// list per size class, refilled in batches carved from an sbrk-like heap;
// requests above the largest class are mapped one by one.
//
// Defaults are the original's constants (data README section 9). The field
// names follow the original's constant names, with units added.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "allocators/core/option_info.h"
#include "allocators/core/options.h"
#include "allocators/core/page_source.h"

namespace heapreplay {

struct SizeclassConfig {
  // MEMORY_ALIGMENT: class step and payload alignment (a power of two, 8..4096).
  std::size_t memory_alignment_bytes = 8;
  // MAX_HEAP_SIZE: the largest request served by the class lists.
  std::size_t max_heap_size_bytes = 512;
  // INITIAL_LIST_MEM_SIZE: payload bytes carved for every class at the first allocation.
  std::size_t initial_list_mem_size_bytes = 512;
  // ADD_LIST_SIZE: payload bytes carved when one class list runs empty.
  std::size_t add_list_size_bytes = 512;
  // Ours: address space reserved per sbrk-like heap segment.
  std::size_t segment_bytes = std::size_t{64} << 20;
  // The original exactly: realloc always moves (see README).
  bool faithful = false;
  // Fault injection of the page source.
  PageSourceConfig page_source;

  // The keys from_options reads (besides PageSourceConfig's), for `list --options`.
  static constexpr OptionInfo kOptions[] = {
      unsigned_option("memory_alignment_bytes", 8, 4096, "8", "class step and alignment (a power of two)"),
      unsigned_option("max_heap_size_bytes", 8, kNoLimit, "512",
                      "largest request the class lists serve (a multiple of the alignment)"),
      unsigned_option("initial_list_mem_size_bytes", 0, std::uint64_t{1} << 30, "512",
                      "payload bytes carved for every class at the first allocation"),
      unsigned_option("add_list_size_bytes", 0, std::uint64_t{1} << 30, "512",
                      "payload bytes carved when a class list runs empty"),
      unsigned_option("segment_bytes", std::uint64_t{64} << 10, std::uint64_t{1} << 40, "64M",
                      "address space reserved per heap segment"),
      flag_option("faithful", "0", "the original exactly: realloc always moves"),
  };

  // Reads the fields above (keys = field names, `faithful` a flag) and the
  // PageSourceConfig keys. Throws OptionError on a bad value or an invalid
  // combination; the caller calls opts.finish() afterwards.
  static SizeclassConfig from_options(OptionMap& opts) {
    SizeclassConfig c;
    if (auto v = opts.take_u64("memory_alignment_bytes")) c.memory_alignment_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("max_heap_size_bytes")) c.max_heap_size_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("initial_list_mem_size_bytes"))
      c.initial_list_mem_size_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("add_list_size_bytes")) c.add_list_size_bytes = static_cast<std::size_t>(*v);
    if (auto v = opts.take_u64("segment_bytes")) c.segment_bytes = static_cast<std::size_t>(*v);
    c.faithful = opts.take_flag("faithful");
    c.page_source = PageSourceConfig::from_options(opts);
    if (std::string why = c.validate(); !why.empty()) throw OptionError(opts.owner() + ": " + why);
    return c;
  }

  // Empty when the configuration is usable, otherwise why not.
  std::string validate() const {
    if (!is_power_of_two(memory_alignment_bytes) || memory_alignment_bytes < 8 || memory_alignment_bytes > 4096)
      return "memory_alignment_bytes must be a power of two from 8 to 4096";
    if (max_heap_size_bytes < memory_alignment_bytes || max_heap_size_bytes % memory_alignment_bytes != 0)
      return "max_heap_size_bytes must be a non-zero multiple of memory_alignment_bytes";
    if (max_heap_size_bytes / memory_alignment_bytes > (std::size_t{1} << 16))
      return "max_heap_size_bytes / memory_alignment_bytes must be at most 65536 classes";
    if (initial_list_mem_size_bytes > (std::size_t{1} << 30) || add_list_size_bytes > (std::size_t{1} << 30))
      return "list sizes must be at most 1G";
    if (segment_bytes < (std::size_t{1} << 16) || segment_bytes > (std::size_t{1} << 40))
      return "segment_bytes must be between 64K and 1T";
    return {};
  }
};

}  // namespace heapreplay
