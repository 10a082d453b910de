// Number formatting (see format.h).
#include "reports/format.h"

#include <cmath>
#include <cstdio>

#include "reports/table.h"

namespace heapreplay {

std::string fixed_digits(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string format_value(double v, MetricUnit unit) {
  switch (unit) {
    case MetricUnit::kNanoseconds: return fixed_digits(v, std::fabs(v) < 1000 ? 2 : 1) + " ns";
    case MetricUnit::kBytes: return human_bytes(v);
    case MetricUnit::kRatio: return fixed_digits(v, 3);
    case MetricUnit::kPerSecond: return fixed_digits(v / 1e6, 2) + " M/s";
    case MetricUnit::kCount: return fixed_digits(v, 0);
  }
  return fixed_digits(v, 2);
}

std::string format_change_pct(double pct) {
  if (std::isinf(pct)) return pct > 0 ? "+inf%" : "-inf%";
  std::string s = fixed_digits(pct, 1);
  if (s == "-0.0") s = "0.0";
  return (pct >= 0 && s[0] != '-' ? "+" : "") + s + "%";
}

std::string format_p_value(double p) {
  if (p < 1e-4) return "<0.0001";
  return fixed_digits(p, 4);
}

}  // namespace heapreplay
