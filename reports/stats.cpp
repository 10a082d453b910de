// Summaries, the median's order-statistic interval and the Mann-Whitney U
// test (see stats.h; formulas in SCHEMA.md).
#include "reports/stats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

namespace heapreplay {

namespace {

// P(Binomial(n, 1/2) <= k), summed in log space so that large n does not
// overflow the binomial coefficients.
double binomial_half_cdf(std::size_t n, std::size_t k) {
  if (k >= n) return 1;
  double sum = 0;
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double lg_n1 = std::lgamma(static_cast<double>(n) + 1);
  for (std::size_t i = 0; i <= k; ++i) {
    double log_c = lg_n1 - std::lgamma(static_cast<double>(i) + 1) - std::lgamma(static_cast<double>(n - i) + 1);
    sum += std::exp(log_c + log_half_n);
  }
  return std::min(sum, 1.0);
}

// Midranks (1-based) of the values of `xy` in their given order, and the tie
// term sum(t^3 - t) over groups of t equal values.
std::vector<double> midranks(const std::vector<double>& xy, double& tie_term) {
  std::vector<std::size_t> order(xy.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return xy[a] < xy[b]; });
  std::vector<double> rank(xy.size());
  tie_term = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && xy[order[j + 1]] == xy[order[i]]) ++j;
    double r = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;  // average of ranks i+1..j+1
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = r;
    double t = static_cast<double>(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  return rank;
}

// Number of arrangements giving each value of U for samples of sizes m and n
// (no ties): the coefficients of the Gaussian binomial [m+n choose m]_q,
// built as the product over i = 1..m of (1 - q^(n+i)) / (1 - q^i). After
// each step the polynomial is again a Gaussian binomial, so its coefficients
// stay non-negative and the division is exact.
std::vector<long double> u_counts(std::size_t m, std::size_t n) {
  if (m > n) std::swap(m, n);
  std::vector<long double> poly(1, 1.0L);
  for (std::size_t i = 1; i <= m; ++i) {
    std::size_t grow = n + i;
    std::size_t deg = poly.size() - 1;
    poly.resize(deg + grow + 1, 0.0L);
    for (std::size_t k = deg + grow; k >= grow; --k) {
      poly[k] -= poly[k - grow];
      if (k == grow) break;
    }
    for (std::size_t k = i; k < poly.size(); ++k) poly[k] += poly[k - i];
    poly.resize(deg + n + 1);  // the quotient has degree i * n
  }
  return poly;
}

}  // namespace

double normal_sf(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

const char* to_string(UTestMethod m) { return m == UTestMethod::kExact ? "exact" : "normal"; }

MedianInterval median_interval(std::size_t n, double level) {
  MedianInterval mi;
  if (n == 0) return mi;
  // Widest first: l = 1 is [min, max]. Move inwards while coverage holds.
  mi.lower_rank = 1;
  mi.upper_rank = n;
  mi.confidence = 1 - 2 * binomial_half_cdf(n, 0);
  for (std::size_t l = 2; 2 * l <= n + 1; ++l) {
    double c = 1 - 2 * binomial_half_cdf(n, l - 1);
    if (c < level) break;
    mi.lower_rank = l;
    mi.upper_rank = n + 1 - l;
    mi.confidence = c;
  }
  mi.confidence = std::max(0.0, mi.confidence);
  return mi;
}

Summary summarize(std::vector<double> values) {
  Summary s;
  s.n = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  s.min = values.front();
  s.max = values.back();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(n);
  if (n > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(n - 1));
  }
  MedianInterval mi = median_interval(n);
  s.ci_low = values[mi.lower_rank - 1];
  s.ci_high = values[mi.upper_rank - 1];
  s.ci_confidence = mi.confidence;
  return s;
}

double mann_whitney_min_p(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  // log C(n1+n2, n1)
  double lc = std::lgamma(static_cast<double>(n1 + n2) + 1) - std::lgamma(static_cast<double>(n1) + 1) -
              std::lgamma(static_cast<double>(n2) + 1);
  return std::min(1.0, 2 * std::exp(-lc));
}

UTest mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y) {
  assert(!x.empty() && !y.empty());
  const std::size_t n1 = x.size(), n2 = y.size();
  std::vector<double> xy(x);
  xy.insert(xy.end(), y.begin(), y.end());
  double tie_term = 0;
  std::vector<double> rank = midranks(xy, tie_term);
  double r1 = 0;
  for (std::size_t i = 0; i < n1; ++i) r1 += rank[i];
  const double dn1 = static_cast<double>(n1), dn2 = static_cast<double>(n2);
  UTest t;
  t.u = r1 - dn1 * (dn1 + 1) / 2;
  t.ties = tie_term > 0;
  const double u_max = std::max(t.u, dn1 * dn2 - t.u);
  const bool small = n1 <= 8 || n2 <= 8;
  if (small && !t.ties) {
    t.method = UTestMethod::kExact;
    std::vector<long double> counts = u_counts(n1, n2);
    long double total = 0, upper = 0;
    // Without ties U is an integer; u_max >= n1 n2 / 2.
    auto from = static_cast<std::size_t>(std::llround(u_max));
    for (std::size_t k = 0; k < counts.size(); ++k) {
      total += counts[k];
      if (k >= from) upper += counts[k];
    }
    t.p_value = static_cast<double>(std::min(1.0L, 2 * upper / total));
    return t;
  }
  t.method = UTestMethod::kNormal;
  const double n = dn1 + dn2;
  const double var = dn1 * dn2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (!(var > 0)) {  // every value equal: no evidence of any difference
    t.p_value = 1;
    return t;
  }
  double z = (u_max - dn1 * dn2 / 2 - 0.5) / std::sqrt(var);
  t.p_value = std::clamp(2 * normal_sf(z), 0.0, 1.0);
  return t;
}

}  // namespace heapreplay
