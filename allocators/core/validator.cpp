// Pattern fill/check and overlap tracking for `--validate` (see validator.h).
#include "allocators/core/validator.h"

#include <cstring>
#include <sstream>

#include "core/hex.h"

namespace heapreplay {

namespace {

// Word k of the pattern: distinct per seed and per position, so a block that
// was moved, shifted or overwritten by a neighbour is caught.
std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t k) {
  std::uint64_t x = seed + (k + 1) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  return x ^ (x >> 29);
}

}  // namespace

void Validator::fill(void* p, std::uint64_t bytes, std::uint64_t seed) {
  auto* b = static_cast<unsigned char*>(p);
  std::uint64_t k = 0;
  for (; (k + 1) * 8 <= bytes; ++k) {
    std::uint64_t w = pattern_word(seed, k);
    std::memcpy(b + k * 8, &w, 8);
  }
  std::uint64_t w = pattern_word(seed, k);
  std::memcpy(b + k * 8, &w, bytes - k * 8);
}

std::optional<std::uint64_t> Validator::first_mismatch(const void* p, std::uint64_t bytes, std::uint64_t seed) {
  auto* b = static_cast<const unsigned char*>(p);
  for (std::uint64_t off = 0; off < bytes; off += 8) {
    std::uint64_t w = pattern_word(seed, off / 8);
    std::uint64_t n = bytes - off < 8 ? bytes - off : 8;
    if (std::memcmp(b + off, &w, n) != 0) {
      for (std::uint64_t i = 0; i < n; ++i)
        if (b[off + i] != reinterpret_cast<const unsigned char*>(&w)[i]) return off + i;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Validator::first_nonzero(const void* p, std::uint64_t bytes) {
  auto* b = static_cast<const unsigned char*>(p);
  for (std::uint64_t i = 0; i < bytes; ++i)
    if (b[i] != 0) return i;
  return std::nullopt;
}

std::optional<std::string> Validator::add_block(const void* p, std::uint64_t bytes) {
  auto start = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t end = start + (bytes == 0 ? 1 : bytes);
  auto next = live_.lower_bound(start);
  if (next != live_.end() && next->first < end)
    return "block " + hex(start) + "+" + std::to_string(bytes) + " overlaps live block at " + hex(next->first);
  if (next != live_.begin()) {
    auto prev = std::prev(next);
    if (prev->second > start)
      return "block " + hex(start) + "+" + std::to_string(bytes) + " overlaps live block at " + hex(prev->first);
  }
  live_.emplace_hint(next, start, end);
  return std::nullopt;
}

void Validator::remove_block(const void* p) { live_.erase(reinterpret_cast<std::uintptr_t>(p)); }

}  // namespace heapreplay
