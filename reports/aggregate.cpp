// Grouping runs and summarising their metrics (see aggregate.h).
#include "reports/aggregate.h"

#include <map>

namespace heapreplay {

std::size_t RunGroup::ok_runs() const {
  std::size_t n = 0;
  for (const RunResult* r : runs) n += r->status == "ok";
  return n;
}

std::string RunGroup::first_failure() const {
  for (const RunResult* r : runs)
    if (r->status != "ok") return r->status + (r->status_detail.empty() ? "" : ": " + r->status_detail);
  return "";
}

std::vector<RunGroup> group_runs(const Report& report) {
  std::vector<RunGroup> groups;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (const RunResult& r : report.runs) {
    auto key = std::make_pair(r.trace, r.allocator);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, groups.size()).first;
      groups.push_back(RunGroup{r.trace, r.allocator, "replay", {}});
    }
    groups[it->second].runs.push_back(&r);
    if (r.kind == "program") groups[it->second].kind = "program";
  }
  return groups;
}

std::vector<std::pair<MetricInfo, double>> run_metrics(const RunResult& r) {
  std::vector<std::pair<MetricInfo, double>> out;
  if (r.status != "ok") return out;
  auto add = [&](const char* name, MetricUnit unit, bool smaller, double v) {
    out.push_back({MetricInfo{name, unit, smaller}, v});
  };
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  if (r.kind == "program") {
    add("wall_ns", MetricUnit::kNanoseconds, true, d(r.wall_ns));
    add("user_ns", MetricUnit::kNanoseconds, true, d(r.user_ns));
    add("sys_ns", MetricUnit::kNanoseconds, true, d(r.sys_ns));
    add("peak_rss_bytes", MetricUnit::kBytes, true, d(r.peak_rss_bytes));
    add("minor_faults", MetricUnit::kCount, true, d(r.minor_faults));
    add("major_faults", MetricUnit::kCount, true, d(r.major_faults));
    add("voluntary_switches", MetricUnit::kCount, true, d(r.voluntary_switches));
    add("involuntary_switches", MetricUnit::kCount, true, d(r.involuntary_switches));
    return out;
  }
  add("ns_per_event", MetricUnit::kNanoseconds, true, r.ns_per_event);
  add("events_per_second", MetricUnit::kPerSecond, false, r.events_per_second);
  add("peak_rss_bytes", MetricUnit::kBytes, true, d(r.peak_rss_bytes));
  add("peak_live_bytes", MetricUnit::kBytes, true, d(r.peak_live_bytes));
  add("failed_allocations", MetricUnit::kCount, true, d(r.failed_allocations));
  // Figures from the memory time series. A 0 from a run that was not sampled
  // means "not measured", not "nothing"; so does a footprint of 0 (an
  // allocator whose footprint cannot be read, e.g. a preloaded library), and
  // every figure made from it.
  auto sampled = [&](const char* name, MetricUnit unit, bool smaller, double v) {
    if (r.sample_every > 0 || v != 0) add(name, unit, smaller, v);
  };
  if (r.peak_usable_bytes > 0) {
    add("peak_usable_bytes", MetricUnit::kBytes, true, d(r.peak_usable_bytes));
    add("internal_fragmentation_bytes", MetricUnit::kBytes, true, d(r.internal_fragmentation_bytes));
  }
  if (r.peak_footprint_bytes > 0) {
    add("peak_footprint_bytes", MetricUnit::kBytes, true, d(r.peak_footprint_bytes));
    if (r.peak_usable_bytes > 0)
      add("external_fragmentation_bytes", MetricUnit::kBytes, true, d(r.external_fragmentation_bytes));
    add("fragmentation_at_peak_live", MetricUnit::kRatio, true, r.fragmentation_at_peak_live);
    add("fragmentation_peak_ratio", MetricUnit::kRatio, true, r.fragmentation_peak_ratio);
    add("utilization", MetricUnit::kRatio, false, r.utilization);
    add("final_footprint_bytes", MetricUnit::kBytes, true, d(r.final_footprint_bytes));
    add("retained_after_trim_bytes", MetricUnit::kBytes, true, d(r.retained_after_trim_bytes));
  }
  sampled("retained_rss_after_trim_bytes", MetricUnit::kBytes, true, d(r.retained_rss_after_trim_bytes));
  for (const auto& [op, l] : r.latency) {
    if (l.count == 0) continue;
    const double values[] = {l.p50_ns, l.p90_ns, l.p99_ns, l.p999_ns, l.max_ns};
    for (std::size_t i = 0; i < std::size(kLatencyPercentiles); ++i)
      out.push_back({MetricInfo{"latency." + op + "." + kLatencyPercentiles[i] + "_ns", MetricUnit::kNanoseconds, true},
                     values[i]});
  }
  return out;
}

const MetricSummary* Aggregate::find(const std::string& metric) const {
  for (const MetricSummary& m : metrics)
    if (m.info.name == metric) return &m;
  return nullptr;
}

std::vector<Aggregate> aggregate(const Report& report) {
  std::vector<Aggregate> out;
  for (const RunGroup& g : group_runs(report)) {
    Aggregate a;
    a.trace = g.trace;
    a.allocator = g.allocator;
    a.kind = g.kind;
    a.runs = g.runs.size();
    a.ok_runs = g.ok_runs();
    a.first_failure = g.first_failure();
    std::map<std::string, std::size_t> slot;
    for (const RunResult* r : g.runs) {
      for (auto& [info, value] : run_metrics(*r)) {
        auto it = slot.find(info.name);
        if (it == slot.end()) {
          it = slot.emplace(info.name, a.metrics.size()).first;
          a.metrics.push_back(MetricSummary{info, {}, {}});
        }
        a.metrics[it->second].values.push_back(value);
      }
    }
    for (MetricSummary& m : a.metrics) m.summary = summarize(m.values);
    out.push_back(std::move(a));
  }
  return out;
}

nlohmann::json aggregate_runs(const Report& report) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Aggregate& a : aggregate(report)) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const MetricSummary& m : a.metrics) {
      const Summary& s = m.summary;
      metrics[m.info.name] = {{"n", s.n},           {"median", s.median},   {"min", s.min},
                              {"max", s.max},       {"mean", s.mean},       {"stddev", s.stddev},
                              {"ci_low", s.ci_low}, {"ci_high", s.ci_high}, {"ci_confidence", s.ci_confidence}};
    }
    arr.push_back({{"kind", a.kind},
                   {"trace", a.trace},
                   {"allocator", a.allocator},
                   {"runs", a.runs},
                   {"ok_runs", a.ok_runs},
                   {"first_failure", a.first_failure},
                   {"ci_method", "median-order-statistic"},
                   {"metrics", std::move(metrics)}});
  }
  return arr;
}

}  // namespace heapreplay
