// Logarithmic histograms and the total variation distance (see log_histogram.h).
#include "traces/tools/log_histogram.h"

#include <bit>
#include <cmath>
#include <stdexcept>

namespace heapreplay {

LogHistogram::LogHistogram(unsigned bins_per_octave)
    : per_octave_(bins_per_octave), shift_(static_cast<unsigned>(std::countr_zero(bins_per_octave))) {
  if (bins_per_octave == 0 || bins_per_octave > 16 || !std::has_single_bit(bins_per_octave))
    throw std::invalid_argument("bins per octave must be 1, 2, 4, 8 or 16");
  counts_.assign(64 * per_octave_ + 1, 0);
}

std::size_t LogHistogram::index(std::uint64_t v) const {
  if (v == 0) return 0;
  unsigned k = 63 - static_cast<unsigned>(std::countl_zero(v));
  // Which B-th of [2^k, 2^(k+1)) v falls in: ((v - 2^k) * B) >> k, without
  // overflow since v - 2^k < 2^k and B <= 16.
  auto sub = static_cast<std::uint64_t>((static_cast<unsigned __int128>(v - (std::uint64_t{1} << k)) << shift_) >> k);
  return 1 + k * per_octave_ + sub;
}

void LogHistogram::add(std::uint64_t value, std::uint64_t count) {
  counts_[index(value)] += count;
  total_ += count;
}

std::uint64_t LogHistogram::bin_lo(std::size_t bin) const {
  if (bin == 0) return 0;
  unsigned k = static_cast<unsigned>((bin - 1) / per_octave_), sub = static_cast<unsigned>((bin - 1) % per_octave_);
  // Smallest v in octave k with ((v - 2^k) B) >> k >= sub: v - 2^k = ceil(sub 2^k / B).
  unsigned __int128 base = std::uint64_t{1} << k;
  unsigned __int128 off = (static_cast<unsigned __int128>(sub) * base + per_octave_ - 1) / per_octave_;
  return static_cast<std::uint64_t>(base + off);
}

std::uint64_t LogHistogram::bin_hi(std::size_t bin) const {
  if (bin == 0) return 0;
  if (bin + 1 == counts_.size()) return ~std::uint64_t{0};
  return bin_lo(bin + 1) - 1;
}

double total_variation(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::uint64_t ta = 0, tb = 0;
  for (auto v : a) ta += v;
  for (auto v : b) tb += v;
  if (ta == 0 || tb == 0) return ta == tb ? 0.0 : 1.0;
  double sum = 0;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    double p = i < a.size() ? static_cast<double>(a[i]) / static_cast<double>(ta) : 0.0;
    double q = i < b.size() ? static_cast<double>(b[i]) / static_cast<double>(tb) : 0.0;
    sum += std::fabs(p - q);
  }
  return sum / 2;
}

}  // namespace heapreplay
