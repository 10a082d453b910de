// Validator: the checks behind `--validate`. Every block is filled with a
// pattern derived from a per-allocation seed and checked when it is freed or
// reallocated; alignment, usable size and overlap with other live blocks are
// checked when it is handed out. It is the allocator contract's oracle: the
// replay's --validate, the conformance suite and the fuzz targets all check
// allocators with it. It keeps an ordered map of live blocks, so its own
// memory is not a measurement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace heapreplay {

class Validator {
 public:
  // Writes the pattern of `seed` over [p, p+bytes).
  static void fill(void* p, std::uint64_t bytes, std::uint64_t seed);
  // Offset of the first byte of [p, p+bytes) that differs from the pattern.
  static std::optional<std::uint64_t> first_mismatch(const void* p, std::uint64_t bytes, std::uint64_t seed);
  // Offset of the first non-zero byte.
  static std::optional<std::uint64_t> first_nonzero(const void* p, std::uint64_t bytes);

  // Records a new live block; returns a description of the problem if it
  // overlaps a live block (or is one).
  std::optional<std::string> add_block(const void* p, std::uint64_t bytes);
  void remove_block(const void* p);
  std::size_t live_blocks() const { return live_.size(); }

 private:
  std::map<std::uintptr_t, std::uintptr_t> live_;  // start -> end (exclusive)
};

}  // namespace heapreplay
