// Reproducible log/exp (see det_math.h): argument reduction by the exponent,
// then a fixed polynomial evaluated by Horner's rule.
#include "traces/generators/det_math.h"

#include <cmath>

namespace heapreplay {

namespace {

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^20 (its low bits are 0).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kInvLn2 = 1.44269504088896338700e+00;
constexpr double kSqrtHalf = 0.70710678118654757274;

// ln(m) for m in [sqrt(1/2), sqrt(2)): 2 atanh(s) with s = (m-1)/(m+1),
// |s| <= 0.1716, summed to s^25 (the next term is below 1e-21).
double log_reduced(double m) {
  double s = (m - 1.0) / (m + 1.0);
  double s2 = s * s;
  double p = 1.0 / 25;
  for (int k = 23; k >= 1; k -= 2) p = p * s2 + 1.0 / k;
  return 2.0 * s * p;
}

// e^r for |r| <= 0.36: Taylor series to r^17 (the next term is below 1e-23).
double exp_reduced(double r) {
  double p = 1.0;
  for (int k = 17; k >= 1; --k) p = 1.0 + p * r / k;
  return p;
}

// Splits x > 0 into m in [sqrt(1/2), sqrt(2)) and e with x = m 2^e.
double split(double x, int& e) {
  double m = std::frexp(x, &e);  // m in [1/2, 1)
  if (m < kSqrtHalf) {
    m *= 2.0;
    --e;
  }
  return m;
}

}  // namespace

double det_log(double x) {
  int e = 0;
  double m = split(x, e);
  return (e * kLn2Lo + log_reduced(m)) + e * kLn2Hi;
}

double det_log2(double x) {
  int e = 0;
  double m = split(x, e);
  return e + log_reduced(m) * kInvLn2;
}

double det_exp(double x) {
  if (x != x) return x;
  if (x > 709.8) return HUGE_VAL;
  if (x < -745.2) return 0.0;
  double k = std::floor(x * kInvLn2 + 0.5);
  double r = (x - k * kLn2Hi) - k * kLn2Lo;
  return std::ldexp(exp_reduced(r), static_cast<int>(k));
}

double det_exp2(double x) {
  if (x != x) return x;
  if (x > 1024.0) return HUGE_VAL;
  if (x < -1075.0) return 0.0;
  double k = std::floor(x + 0.5);
  double r = (x - k) * kLn2Hi + (x - k) * kLn2Lo;  // x - k is exact
  return std::ldexp(exp_reduced(r), static_cast<int>(k));
}

double det_pow(double x, double y) { return det_exp2(y * det_log2(x)); }

}  // namespace heapreplay
