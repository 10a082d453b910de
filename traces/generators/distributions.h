// The size and lifetime distributions the generators draw from, each sampled
// by a documented method from SplitMix64 and det_math only (see README.md:
// Sampling), so a sample is the same on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "traces/generators/params.h"
#include "traces/generators/random.h"

namespace heapreplay {

// A standard normal deviate (Marsaglia's polar method: two uniforms in
// (-1, 1) until they fall inside the unit circle; uses det_log and sqrt).
double sample_normal(SplitMix64& rng);
// An exponential deviate with the given mean (-mean ln U, U in (0, 1]).
double sample_exponential(SplitMix64& rng, double mean);

// One bin of an empirical size histogram: sizes lo..hi (inclusive), drawn
// with probability weight / total, uniformly inside the bin.
struct SizeBin {
  std::uint64_t lo_bytes = 1;
  std::uint64_t hi_bytes = 1;
  std::uint64_t weight = 0;
};

// Reads a histogram file: either text, one bin per line as `LO HI WEIGHT` or
// `SIZE WEIGHT` (unsigned integers; `#` starts a comment), or the JSON that
// `heapreplay trace stats --json` prints (its "size_histogram"). Throws
// TraceError (`PATH:LINE: what`) when unreadable, malformed, or empty.
std::vector<SizeBin> read_size_histogram(const std::string& path);

class SizeDistribution {
 public:
  enum class Kind { kFixed, kUniform, kLogUniform, kLogNormal, kPowerLaw, kHistogram };

  static SizeDistribution fixed(std::uint64_t bytes);
  static SizeDistribution uniform(std::uint64_t min_bytes, std::uint64_t max_bytes);
  static SizeDistribution log_uniform(std::uint64_t min_bytes, std::uint64_t max_bytes);
  // exp(N(ln median, sigma^2)), rounded, clamped to [min, max].
  static SizeDistribution log_normal(double median_bytes, double sigma, std::uint64_t min_bytes,
                                     std::uint64_t max_bytes);
  // P(s) proportional to s^-alpha on [min, max] (continuous inverse CDF, floored).
  static SizeDistribution power_law(double alpha, std::uint64_t min_bytes, std::uint64_t max_bytes);
  // Precondition: bins non-empty, every lo <= hi, total weight > 0.
  static SizeDistribution histogram(std::vector<SizeBin> bins);

  // Reads the size_* parameters of `p` for `phase` (see synthetic.h).
  static SizeDistribution from_params(const GenParams& p, int phase);

  std::uint64_t sample(SplitMix64& rng) const;
  // The mean, estimated from 65,536 draws of a generator seeded from `seed`.
  double estimate_mean_bytes(std::uint64_t seed) const;
  Kind kind() const { return kind_; }

 private:
  Kind kind_ = Kind::kFixed;
  std::uint64_t min_ = 1, max_ = 1;
  double median_ = 1, sigma_ = 0, alpha_ = 0;
  std::vector<SizeBin> bins_;
  std::vector<std::uint64_t> cumulative_;  // running weight totals of bins_
};

// Lifetime shapes, as multiples of a mean (the unit is the caller's).
class LifetimeDistribution {
 public:
  enum class Shape { kFixed, kUniform, kExponential, kLogNormal, kPowerLaw };

  // sigma: log-normal spread; alpha: Pareto shape (> 1, so the mean exists).
  LifetimeDistribution(Shape shape, double mean, double sigma, double alpha);

  // A lifetime of at least 1.
  std::uint64_t sample(SplitMix64& rng) const;
  double mean() const { return mean_; }

 private:
  Shape shape_;
  double mean_, sigma_, alpha_;
};

}  // namespace heapreplay
