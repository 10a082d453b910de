// A small, fully specified pseudo-random generator (SplitMix64) with our own
// sampling helpers, so generated traces are byte-identical on every machine
// (the standard library's distributions are implementation-defined).
#pragma once

#include <cmath>
#include <cstdint>

namespace heapreplay {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) for n > 0 (multiply-shift; bias below 2^-32 for the n used here).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  // Uniform double in [0, 1) from the top 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Log-uniform integer in [lo, hi]: small sizes as common per octave as large ones.
  std::uint64_t log_uniform(std::uint64_t lo, std::uint64_t hi) {
    double l = std::log2(static_cast<double>(lo)), h = std::log2(static_cast<double>(hi) + 1);
    auto v = static_cast<std::uint64_t>(std::exp2(l + (h - l) * unit()));
    return v < lo ? lo : (v > hi ? hi : v);
  }

 private:
  std::uint64_t state_;
};

}  // namespace heapreplay
