// Statistics over repetitions: a summary of one metric's values (median, min,
// max, a distribution-free confidence interval for the median) and the
// Mann-Whitney U test that `heapreplay compare` gates on. Formulas and their
// sources are in reports/SCHEMA.md ("Statistics"). Pure functions, no state:
// safe from any thread.
#pragma once

#include <cstddef>
#include <vector>

namespace heapreplay {

// The confidence level asked of every interval.
inline constexpr double kConfidenceLevel = 0.95;

struct Summary {
  std::size_t n = 0;  // values summarised
  double median = 0, min = 0, max = 0, mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1); 0 when n < 2
  // Order-statistic confidence interval for the median: [x(l), x(n+1-l)] of
  // the sorted values, l the largest rank whose exact binomial coverage is at
  // least kConfidenceLevel. Below 6 values no rank reaches it: the interval is
  // then [min, max] and ci_confidence says what it really covers.
  double ci_low = 0, ci_high = 0;
  double ci_confidence = 0;  // exact coverage of [ci_low, ci_high], 0..1
};

// Summarises `values` (any order). Empty input gives n = 0 and zeros.
Summary summarize(std::vector<double> values);

// Ranks (1-based) of the order statistics bounding the median's confidence
// interval for n values, and the interval's exact coverage
// 1 - 2 * P(Binomial(n, 1/2) <= lower_rank - 1). n = 0 gives {0, 0, 0}.
struct MedianInterval {
  std::size_t lower_rank = 0, upper_rank = 0;
  double confidence = 0;
};
MedianInterval median_interval(std::size_t n, double level = kConfidenceLevel);

// Two-sided Mann-Whitney U test of two independent samples, computed as
// SciPy's mannwhitneyu(x, y, alternative="two-sided") does (the test Google
// Benchmark's compare.py runs): the exact distribution of U when there are no
// ties and one sample has at most 8 values; otherwise the normal
// approximation with tie and continuity correction.
enum class UTestMethod { kExact, kNormal };
struct UTest {
  double u = 0;        // U of x: pairs (x_i, y_j) with x_i > y_j, plus half the ties
  double p_value = 1;  // two-sided, in [0, 1]
  UTestMethod method = UTestMethod::kExact;
  bool ties = false;  // some value occurs more than once in x and y together
};
// Precondition: x and y non-empty (asserted). Values must not be NaN.
UTest mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y);

// The smallest two-sided p-value the test can give for these sample sizes,
// 2 / C(n1 + n2, n1) (capped at 1): when it is not below alpha, no data can
// make the test significant.
double mann_whitney_min_p(std::size_t n1, std::size_t n2);

// Upper tail of the standard normal distribution, P(Z >= z).
double normal_sf(double z);

const char* to_string(UTestMethod m);

}  // namespace heapreplay
