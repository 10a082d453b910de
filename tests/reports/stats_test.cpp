// Statistics: the Mann-Whitney U test against published values (R's
// wilcox.test documentation, SciPy 1.10's mannwhitneyu, which Google
// Benchmark's compare.py calls) and hand-computed exact cases; the median's
// order-statistic interval against the binomial tables; summaries.
#include <gtest/gtest.h>

#include <cmath>

#include "reports/stats.h"

namespace heapreplay {
namespace {

struct Known {
  std::vector<double> x, y;
  double u, p;
  UTestMethod method;
};

TEST(MannWhitney, MatchesKnownValues) {
  const Known cases[] = {
      // Complete separation, 3 vs 3: p = 2 / C(6,3) = 0.1.
      {{1, 2, 3}, {4, 5, 6}, 0, 0.1, UTestMethod::kExact},
      // 5 vs 5, complete separation: 2 / C(10,5) = 2/252.
      {{10.1, 10.3, 10.2, 10.5, 10.4}, {11.0, 11.2, 10.9, 11.3, 11.1}, 0, 2.0 / 252, UTestMethod::kExact},
      {{1, 3, 5, 7, 9}, {2, 4, 6, 8, 10}, 10, 0.6904761904761905, UTestMethod::kExact},
      {{12.5, 13.1, 12.9}, {12.7, 13.4, 13.0, 13.8}, 3, 0.4, UTestMethod::kExact},
      // R: wilcox.test(x, y) in ?wilcox.test's example: W = 35, p-value = 0.2544.
      {{0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
       {1.15, 0.88, 0.90, 0.74, 1.21},
       35,
       0.2544122544122544,
       UTestMethod::kExact},
      // 3 vs 40 (exact: one side <= 8), SciPy 1.10.
      {{3.238, 1.508, 6.509},
       {2.869,  8.431, 6.388, 2.696,  8.089, 2.45,   7.204, 2.838, 3.089, 7.094, 11.922, 3.486, 4.679, 9.529,
        13.373, 8.925, 6.76,  13.715, 2.559, 12.302, 5.475, 3.731, 3.414, 5.702, 11.794, 4.169, 8.979, 9.667,
        6.469,  8.573, 2.753, 2.715,  4.472, 10.165, 7.131, 5.77,  9.027, 7.438, 5.597,  11.533},
       28,
       0.14018312940604488,
       UTestMethod::kExact},
      // Ties: normal approximation with tie and continuity correction (SciPy 1.10).
      {{1, 1, 2, 2, 3}, {2, 3, 3, 4, 4}, 3, 0.05241162867102868, UTestMethod::kNormal},
      {{884, 884, 884, 884, 884}, {900, 900, 900, 900, 900}, 0, 0.003976751709788651, UTestMethod::kNormal},
      // Both sides above 8 values: normal approximation even without ties.
      {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
       {5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5},
       15,
       0.009108496398030965,
       UTestMethod::kNormal},
      {{0.8, 0.83, 0.91, 0.95, 1.02, 1.1, 1.2, 1.3, 1.25},
       {1.0, 1.05, 1.15, 1.22, 1.35, 1.4, 1.41, 1.5, 1.6, 1.7},
       14,
       0.012763007532641236,
       UTestMethod::kNormal},
      {{98.82, 96.45, 94.55, 97.25, 105.72, 94.29, 96.69, 113.61, 103.84, 103.52, 100.13, 97.13, 98.59, 100.1, 95.82,
        92.59, 90.85, 95.48, 96.99, 107.1,  94.54, 96.32, 90.79,  102.6,  105.33, 98.07,  99.09, 98.48, 97.83, 93.12},
       {113.28, 103.6,  102.94, 108.82, 103.48, 103.07, 101.05, 104.72, 105.29, 105.17, 104.3,  101.39, 104.07,
        108.98, 105.42, 102.52, 98.01,  105.98, 110.88, 97.81,  106.65, 100.95, 99.94,  106.39, 113.39},
       123,
       2.126985530007644e-05,
       UTestMethod::kNormal},
      {{1, 2}, {3, 4}, 0, 1.0 / 3, UTestMethod::kExact},
      {{3.1}, {2.9}, 1, 1.0, UTestMethod::kExact},
  };
  for (const Known& k : cases) {
    UTest t = mann_whitney_u(k.x, k.y);
    EXPECT_DOUBLE_EQ(t.u, k.u) << "x[0]=" << k.x[0];
    EXPECT_NEAR(t.p_value, k.p, 1e-12 + 1e-9 * k.p) << "x[0]=" << k.x[0];
    EXPECT_EQ(t.method, k.method) << "x[0]=" << k.x[0];
  }
}

TEST(MannWhitney, EveryValueEqualGivesPOne) {
  UTest t = mann_whitney_u({5, 5, 5}, {5, 5, 5});
  EXPECT_EQ(t.method, UTestMethod::kNormal);
  EXPECT_TRUE(t.ties);
  EXPECT_DOUBLE_EQ(t.u, 4.5);
  EXPECT_DOUBLE_EQ(t.p_value, 1.0);
}

TEST(MannWhitney, SymmetricInItsSamples) {
  std::vector<double> x = {3, 9, 4, 12, 7, 1}, y = {8, 15, 11, 13, 10};
  UTest a = mann_whitney_u(x, y), b = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(a.p_value, b.p_value);
  EXPECT_DOUBLE_EQ(a.u + b.u, static_cast<double>(x.size() * y.size()));
}

TEST(MannWhitney, ExactDistributionSumsToOneAndMatchesEnumeration) {
  // Brute force over every split of 1..n1+n2 into the two samples: the share
  // of splits with U at least as extreme must equal the exact p-value.
  const int n1 = 4, n2 = 6, n = n1 + n2;
  std::vector<double> x = {2, 5, 9, 10}, y = {1, 3, 4, 6, 7, 8};
  UTest t = mann_whitney_u(x, y);
  double u_max = std::max(t.u, n1 * n2 - t.u);
  int extreme = 0, total = 0;
  for (int mask = 0; mask < (1 << n); ++mask) {
    if (__builtin_popcount(mask) != n1) continue;
    ++total;
    double r1 = 0;
    for (int i = 0; i < n; ++i)
      if (mask & (1 << i)) r1 += i + 1;
    double u = r1 - n1 * (n1 + 1) / 2.0;
    if (u >= u_max) ++extreme;
  }
  EXPECT_EQ(total, 210);
  EXPECT_NEAR(t.p_value, std::min(1.0, 2.0 * extreme / total), 1e-12);
}

TEST(MannWhitney, SmallestAttainablePValue) {
  EXPECT_DOUBLE_EQ(mann_whitney_min_p(2, 2), 1.0 / 3);
  EXPECT_NEAR(mann_whitney_min_p(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(mann_whitney_min_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_NEAR(mann_whitney_min_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_DOUBLE_EQ(mann_whitney_min_p(1, 1), 1.0);
  EXPECT_LT(mann_whitney_min_p(4, 4), 0.05);
  EXPECT_GT(mann_whitney_min_p(3, 4), 0.05);  // 2/35
}

TEST(MedianInterval, MatchesBinomialTables) {
  // n = 6 is the first size whose [min, max] reaches 95%: 1 - 2/64.
  MedianInterval m6 = median_interval(6);
  EXPECT_EQ(m6.lower_rank, 1u);
  EXPECT_EQ(m6.upper_rank, 6u);
  EXPECT_NEAR(m6.confidence, 1 - 2.0 / 64, 1e-12);
  // Tables of the sign-test interval: n = 10 -> (x2, x9), n = 20 -> (x6, x15), n = 30 -> (x10, x21).
  MedianInterval m10 = median_interval(10);
  EXPECT_EQ(m10.lower_rank, 2u);
  EXPECT_EQ(m10.upper_rank, 9u);
  EXPECT_NEAR(m10.confidence, 1 - 2 * 11.0 / 1024, 1e-12);
  MedianInterval m20 = median_interval(20);
  EXPECT_EQ(m20.lower_rank, 6u);
  EXPECT_EQ(m20.upper_rank, 15u);
  EXPECT_NEAR(m20.confidence, 0.9586105, 1e-6);
  MedianInterval m30 = median_interval(30);
  EXPECT_EQ(m30.lower_rank, 10u);
  EXPECT_EQ(m30.upper_rank, 21u);
  for (std::size_t n = 6; n <= 200; ++n) EXPECT_GE(median_interval(n).confidence, 0.95) << n;
}

TEST(MedianInterval, BelowSixValuesSaysWhatItCovers) {
  EXPECT_DOUBLE_EQ(median_interval(1).confidence, 0.0);
  EXPECT_DOUBLE_EQ(median_interval(2).confidence, 0.5);
  EXPECT_DOUBLE_EQ(median_interval(3).confidence, 0.75);
  EXPECT_DOUBLE_EQ(median_interval(5).confidence, 0.9375);
  EXPECT_EQ(median_interval(5).lower_rank, 1u);
  EXPECT_EQ(median_interval(5).upper_rank, 5u);
  EXPECT_EQ(median_interval(0).lower_rank, 0u);
}

TEST(Summarize, MedianMinMaxMeanAndInterval) {
  Summary s = summarize({5, 1, 4, 2, 3, 10, 7, 6, 9, 8});
  EXPECT_EQ(s.n, 10u);
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_NEAR(s.stddev, std::sqrt(82.5 / 9), 1e-12);
  EXPECT_DOUBLE_EQ(s.ci_low, 2);   // x(2)
  EXPECT_DOUBLE_EQ(s.ci_high, 9);  // x(9)
  EXPECT_GE(s.ci_confidence, 0.95);

  Summary one = summarize({42});
  EXPECT_DOUBLE_EQ(one.median, 42);
  EXPECT_DOUBLE_EQ(one.ci_low, 42);
  EXPECT_DOUBLE_EQ(one.ci_high, 42);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  EXPECT_DOUBLE_EQ(one.ci_confidence, 0);

  Summary none = summarize({});
  EXPECT_EQ(none.n, 0u);
  EXPECT_DOUBLE_EQ(none.median, 0);
}

TEST(NormalSf, KnownQuantiles) {
  EXPECT_NEAR(normal_sf(0), 0.5, 1e-15);
  EXPECT_NEAR(normal_sf(1.959963984540054), 0.025, 1e-12);
  EXPECT_NEAR(normal_sf(-1.6448536269514722), 0.95, 1e-12);
}

}  // namespace
}  // namespace heapreplay
