// Aggregates: the runs of a report grouped by (trace, allocator), and per
// group a Summary (median, min, max, 95% CI of the median) of every metric
// the ok runs measured. This is what the `aggregates` array of a report
// holds, and what the table, compare, exports and HTML read. Metric names and
// formulas: reports/SCHEMA.md ("aggregates"). Pure functions over a Report.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reports/run_result.h"
#include "reports/stats.h"

namespace heapreplay {

// How a metric's values read.
enum class MetricUnit { kNanoseconds, kBytes, kRatio, kPerSecond, kCount };

struct MetricInfo {
  std::string name;  // JSON key: "ns_per_event", "peak_rss_bytes", "latency.malloc.p99_ns", ...
  MetricUnit unit;
  bool smaller_is_better;
};

// The runs of one (trace, allocator), in report order.
struct RunGroup {
  std::string trace, allocator;
  std::string kind = "replay";         // "program" when any of its runs is a program run
  std::vector<const RunResult*> runs;  // point into the Report: it must outlive the group
  std::size_t ok_runs() const;
  // First non-ok run's "status: detail", or "" when every run is ok.
  std::string first_failure() const;
};

// Groups in first-seen order of (trace, allocator).
std::vector<RunGroup> group_runs(const Report& report);

// The metrics a run measured, in a fixed order: time and memory figures
// first, then latency per operation ("latency.<op>.<p50|p90|p99|p999|max>_ns")
// for each operation with sampled events. Figures from the memory time
// series count as measured only when their base is: footprint, the
// fragmentation ratios, utilisation and the footprint after trim need a
// non-zero peak footprint; usable and internal fragmentation a non-zero peak
// usable; RSS after trim a sampled run. A program run (kind "program") has
// its own metrics instead: wall_ns, user_ns, sys_ns, peak_rss_bytes,
// minor_faults, major_faults, voluntary_switches, involuntary_switches.
// Empty for a run whose status is not ok.
std::vector<std::pair<MetricInfo, double>> run_metrics(const RunResult& run);

struct MetricSummary {
  MetricInfo info;
  Summary summary;
  std::vector<double> values;  // one per ok run that measured it, in run order
};

struct Aggregate {
  std::string trace, allocator;
  std::string kind = "replay";  // replay | program (see RunGroup)
  bool is_program() const { return kind == "program"; }
  std::size_t runs = 0, ok_runs = 0;
  std::string first_failure;           // see RunGroup::first_failure
  std::vector<MetricSummary> metrics;  // in run_metrics' order

  const MetricSummary* find(const std::string& metric) const;  // nullptr when not measured
};

std::vector<Aggregate> aggregate(const Report& report);

// The report's `aggregates` array (schema in SCHEMA.md). Never throws for a
// well-formed Report; groups without an ok run have an empty `metrics`.
nlohmann::json aggregate_runs(const Report& report);

// Latency percentiles in report order, as they appear in metric names.
inline constexpr const char* kLatencyPercentiles[] = {"p50", "p90", "p99", "p999", "max"};

}  // namespace heapreplay
