// SplitMix64's helpers that need logarithms (see random.h).
#include "traces/generators/random.h"

#include "traces/generators/det_math.h"

namespace heapreplay {

std::uint64_t SplitMix64::log_uniform(std::uint64_t lo, std::uint64_t hi) {
  double l = det_log2(static_cast<double>(lo)), h = det_log2(static_cast<double>(hi) + 1.0);
  double d = det_exp2(l + (h - l) * unit());
  if (d >= 0x1.0p64) return hi;
  auto v = static_cast<std::uint64_t>(d);
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace heapreplay
