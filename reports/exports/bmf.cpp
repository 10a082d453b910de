// Bencher Metric Format export (see exports.h; measures in SCHEMA.md).
#include <string>

#include "reports/aggregate.h"
#include "reports/exports/exports.h"

namespace heapreplay {

namespace {

// Bencher's built-in measures for time and rate; the rest are our metric
// names in kebab case (Bencher creates a measure the first time it sees it).
std::string measure_slug(const std::string& metric) {
  if (metric == "ns_per_event") return "latency";
  if (metric == "events_per_second") return "throughput";
  std::string s = metric;
  for (char& c : s)
    if (c == '_' || c == '.') c = '-';
  return s;
}

}  // namespace

nlohmann::json export_bmf(const Report& report) {
  nlohmann::json out = nlohmann::json::object();
  for (const Aggregate& a : aggregate(report)) {
    if (a.metrics.empty()) continue;
    nlohmann::json measures = nlohmann::json::object();
    for (const MetricSummary& m : a.metrics) {
      if (m.info.name == "peak_live_bytes") continue;  // a property of the trace, not of the allocator
      nlohmann::json v = {{"value", m.summary.median}};
      if (m.summary.n > 1) {
        v["lower_value"] = m.summary.ci_low;
        v["upper_value"] = m.summary.ci_high;
      }
      measures[measure_slug(m.info.name)] = std::move(v);
    }
    out[benchmark_name(a.trace, a.allocator)] = std::move(measures);
  }
  return out;
}

}  // namespace heapreplay
