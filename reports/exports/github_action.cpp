// github-action-benchmark customSmallerIsBetter export (see exports.h;
// entries in SCHEMA.md).
#include <algorithm>
#include <string>

#include "reports/aggregate.h"
#include "reports/exports/exports.h"
#include "reports/format.h"

namespace heapreplay {

namespace {

// Smaller is better for every figure here; throughput and utilisation
// (bigger is better) are left out of this file.
const char* unit_name(const MetricInfo& m) {
  if (m.name == "ns_per_event") return "ns/event";
  switch (m.unit) {
    case MetricUnit::kNanoseconds: return "ns";
    case MetricUnit::kBytes: return "bytes";
    case MetricUnit::kRatio: return "ratio";
    case MetricUnit::kCount: return "count";
    case MetricUnit::kPerSecond: return "1/s";
  }
  return "";
}

bool exported(const std::string& name) {
  static const char* kFixed[] = {"ns_per_event",
                                 "wall_ns",
                                 "user_ns",
                                 "sys_ns",
                                 "peak_rss_bytes",
                                 "peak_footprint_bytes",
                                 "fragmentation_peak_ratio",
                                 "fragmentation_at_peak_live",
                                 "retained_after_trim_bytes"};
  for (const char* f : kFixed)
    if (name == f) return true;
  auto ends_with = [&](const char* s) {
    std::string suffix = s;
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name.rfind("latency.", 0) == 0 && (ends_with(".p50_ns") || ends_with(".p99_ns"));
}

// The median's interval with the confidence it really has: from order
// statistics its confidence is exact and depends on the run count (75% for
// 3 runs, 93.75% for 5, at least 95% from 6 on; SCHEMA.md, Statistics), so
// the text says that figure instead of a nominal 95%.
std::string interval_text(const Summary& s) {
  return "CI of the median [" + fixed_digits(s.ci_low, 2) + ", " + fixed_digits(s.ci_high, 2) +
         "] (order statistics, " + fixed_digits(s.ci_confidence * 100, 1) + "% confidence with " + std::to_string(s.n) +
         " runs)";
}

}  // namespace

nlohmann::json export_github_action(const Report& report) {
  nlohmann::json out = nlohmann::json::array();
  for (const Aggregate& a : aggregate(report)) {
    for (const MetricSummary& m : a.metrics) {
      if (!exported(m.info.name)) continue;
      const Summary& s = m.summary;
      nlohmann::json e = {{"name", benchmark_name(a.trace, a.allocator) + " " + m.info.name},
                          {"unit", unit_name(m.info)},
                          {"value", s.median}};
      if (s.n > 1) {
        double half = std::max(s.median - s.ci_low, s.ci_high - s.median);
        e["range"] = "± " + fixed_digits(half, m.info.unit == MetricUnit::kRatio ? 4 : 2);
        e["extra"] = "median of " + std::to_string(s.n) + " runs; " + interval_text(s) + "; min " +
                     fixed_digits(s.min, 2) + ", max " + fixed_digits(s.max, 2);
      } else {
        e["extra"] = "1 run";
      }
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace heapreplay
