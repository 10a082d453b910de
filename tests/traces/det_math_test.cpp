// det_math: accurate enough to sample with, exact where it promises to be,
// and the same bits everywhere (pinned results: a machine that computed a
// different bit would write different traces).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "traces/generators/det_math.h"

namespace heapreplay {
namespace {

TEST(DetMath, LogAndExpAgreeWithLibmToWithinAFewUlps) {
  for (double x = 1e-300; x < 1e300; x *= 1.37) {
    double ref = std::log(x);
    EXPECT_NEAR(det_log(x), ref, std::fabs(ref) * 4e-16 + 1e-300) << x;
  }
  for (double x = 0.001; x < 100; x *= 1.01) {
    double ref = std::log(x);
    EXPECT_NEAR(det_log(x), ref, std::fabs(ref) * 4e-16 + 4e-16) << x;
  }
  for (double x = -700; x < 700; x += 0.731) {
    double ref = std::exp(x);
    EXPECT_NEAR(det_exp(x), ref, ref * 4e-16) << x;
  }
  for (double x = -60; x < 60; x += 0.0173) EXPECT_NEAR(det_exp2(x), std::exp2(x), std::exp2(x) * 4e-16) << x;
  EXPECT_NEAR(det_pow(10.0, 2.5), std::pow(10.0, 2.5), 1e-12);
  EXPECT_NEAR(det_pow(65537.0, -1.0), 1.0 / 65537, 1e-20);
}

TEST(DetMath, ExactWherePromised) {
  for (int k = -1000; k <= 1000; ++k) {
    EXPECT_EQ(det_log2(std::ldexp(1.0, k)), static_cast<double>(k));
    EXPECT_EQ(det_exp2(static_cast<double>(k)), std::ldexp(1.0, k));
  }
  EXPECT_EQ(det_log(1.0), 0.0);
  EXPECT_EQ(det_exp(0.0), 1.0);
  EXPECT_EQ(det_exp(-800.0), 0.0);
  EXPECT_EQ(det_exp(800.0), HUGE_VAL);
}

TEST(DetMath, PinnedBits) {
  // Computed once; the generators' output depends on every one of these bits.
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_log(3.0)), 0x3ff193ea7aad030bull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_log(0.123456789)), 0xc000bc233add5d72ull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_exp(1.0)), 0x4005bf0a8b14576aull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_exp(-3.7)), 0x3f99511fc6871044ull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_exp2(0.3)), 0x3ff3b2c47bff8329ull);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(det_pow(7.0, -1.5)), 0x3faba539079b6474ull);
}

}  // namespace
}  // namespace heapreplay
