// LogHistogram: counts of unsigned values in logarithmic bins, B bins per
// octave (B a power of two up to 16), plus one bin for the value 0. Bin edges
// are integers computed with integer arithmetic only, so two machines bin the
// same value the same way.
#pragma once

#include <cstdint>
#include <vector>

namespace heapreplay {

class LogHistogram {
 public:
  // Precondition: bins_per_octave is 1, 2, 4, 8 or 16.
  explicit LogHistogram(unsigned bins_per_octave = 1);

  void add(std::uint64_t value, std::uint64_t count = 1);
  unsigned bins_per_octave() const { return per_octave_; }
  std::uint64_t total() const { return total_; }
  // Bin index of a value: 0 for 0, then octave * B + sub-bin + 1.
  std::size_t index(std::uint64_t value) const;
  std::size_t bin_count() const { return counts_.size(); }
  std::uint64_t count(std::size_t bin) const { return counts_[bin]; }
  // Smallest and largest value of a bin (lo > hi for the sub-bins of small
  // octaves that hold no integer).
  std::uint64_t bin_lo(std::size_t bin) const;
  std::uint64_t bin_hi(std::size_t bin) const;

 private:
  unsigned per_octave_, shift_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
};

// Total variation distance between the two distributions the counts describe:
// half the sum of |p_i - q_i|, from 0 (same) to 1 (disjoint). Missing entries
// count as 0; an all-zero side is treated as equal to another all-zero side
// and at distance 1 from anything else.
double total_variation(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

}  // namespace heapreplay
