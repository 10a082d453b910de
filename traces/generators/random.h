// A small, fully specified pseudo-random generator (SplitMix64) with our own
// sampling helpers, so generated traces are byte-identical on every machine
// (the standard library's distributions are implementation-defined).
//
// Everything here is integer arithmetic or exact floating point (a 53-bit
// integer scaled by a power of two); the helpers that need logarithms live in
// random.cpp and distributions.cpp and use det_math.h, never libm.
#pragma once

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
  // Uniform double in (0, 1]: for logarithms, which must not see 0.
  double open_unit() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }
  // True with probability p (p <= 0: never; p >= 1: always). Draws one number either way.
  bool chance(double p) { return unit() < p; }
  // Log-uniform integer in [lo, hi], 1 <= lo <= hi: small sizes as common per
  // octave as large ones. Defined in random.cpp (uses det_math).
  std::uint64_t log_uniform(std::uint64_t lo, std::uint64_t hi);

 private:
  std::uint64_t state_;
};

// A generator for one purpose derived from a user's seed, so that adding a
// draw for one purpose does not shift the numbers another purpose sees.
inline SplitMix64 substream(std::uint64_t seed, std::uint64_t purpose) {
  SplitMix64 mix(seed ^ (purpose * 0xD1B54A32D192ED03ull));
  return SplitMix64(mix.next());
}

}  // namespace heapreplay
