// Google Benchmark JSON export (see exports.h; fields in SCHEMA.md).
#include <algorithm>
#include <cmath>
#include <string>

#include "reports/aggregate.h"
#include "reports/exports/exports.h"

namespace heapreplay {

std::string benchmark_name(const std::string& trace, const std::string& allocator) { return trace + "/" + allocator; }

namespace {

nlohmann::json gbench_context(const Report& report) {
  const nlohmann::json& c = report.context;
  auto str = [&](const char* key) { return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : ""; };
  std::string build = str("build_type");
  std::transform(build.begin(), build.end(), build.begin(), [](unsigned char ch) { return std::tolower(ch); });
  nlohmann::json j = {{"date", str("date")},
                      {"host_name", str("host")},
                      {"executable", "heapreplay"},
                      {"num_cpus", c.value("cpu_count", 0)},
                      {"mhz_per_cpu", 0},
                      {"cpu_scaling_enabled", false},
                      {"caches", nlohmann::json::array()},
                      {"load_avg", nlohmann::json::array()},
                      {"library_build_type", build == "debug" ? "debug" : "release"},
                      {"library_version", str("heapreplay_version")},
                      {"heapreplay_schema", kReportSchema},
                      {"heapreplay_cpu", str("cpu")},
                      {"heapreplay_git_revision", str("git_revision")},
                      {"heapreplay_command_line", str("command_line")}};
  return j;
}

// The metric that is real_time: ns/event of a replay, the wall time of a program.
std::string time_metric(const RunResult& r) { return r.kind == "program" ? "wall_ns" : "ns_per_event"; }

// Every run metric but the time (which is real_time and cpu_time) is a counter.
void add_counters(nlohmann::json& entry, const std::vector<std::pair<std::string, double>>& counters) {
  for (const auto& [name, value] : counters) entry[name] = value;
}

}  // namespace

nlohmann::json export_gbench(const Report& report) {
  nlohmann::json benchmarks = nlohmann::json::array();
  nlohmann::json failed = nlohmann::json::array();
  std::vector<RunGroup> groups = group_runs(report);
  std::vector<Aggregate> aggs = aggregate(report);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const RunGroup& group = groups[g];
    const std::string name = benchmark_name(group.trace, group.allocator);
    const int repetitions = static_cast<int>(group.runs.size());
    for (const RunResult* r : group.runs) {
      if (r->status != "ok") {
        failed.push_back({{"name", name},
                          {"repetition_index", r->repetition},
                          {"status", r->status},
                          {"status_detail", r->status_detail}});
        continue;
      }
      // A program run is one iteration of the whole program: its wall
      // time, and the CPU time of its process tree.
      const bool program = r->kind == "program";
      nlohmann::json e = {{"name", name},
                          {"family_index", g},
                          {"per_family_instance_index", 0},
                          {"run_name", name},
                          {"run_type", "iteration"},
                          {"repetitions", repetitions},
                          {"repetition_index", r->repetition},
                          {"threads", 1},
                          {"iterations", program ? std::uint64_t{1} : r->events},
                          {"real_time", program ? static_cast<double>(r->wall_ns) : r->ns_per_event},
                          {"cpu_time", program ? static_cast<double>(r->user_ns + r->sys_ns) : r->ns_per_event},
                          {"time_unit", "ns"}};
      std::vector<std::pair<std::string, double>> counters;
      for (const auto& [info, value] : run_metrics(*r))
        if (info.name != time_metric(*r)) counters.push_back({info.name, value});
      add_counters(e, counters);
      benchmarks.push_back(std::move(e));
    }
    // Aggregates as --benchmark_repetitions writes them, from two ok runs up.
    const Aggregate& a = aggs[g];
    const std::string time_name = a.is_program() ? "wall_ns" : "ns_per_event";
    const MetricSummary* ns = a.find(time_name);
    if (!ns || ns->summary.n < 2) continue;
    struct Kind {
      const char* name;
      const char* unit;
    };
    for (Kind k : {Kind{"mean", "time"}, Kind{"median", "time"}, Kind{"stddev", "time"}, Kind{"cv", "percentage"}}) {
      auto pick = [&](const Summary& s) {
        std::string n = k.name;
        if (n == "mean") return s.mean;
        if (n == "median") return s.median;
        if (n == "stddev") return s.stddev;
        return s.mean != 0 ? s.stddev / s.mean : 0.0;
      };
      double t = pick(ns->summary);
      nlohmann::json e = {{"name", name + "_" + k.name},
                          {"family_index", g},
                          {"per_family_instance_index", 0},
                          {"run_name", name},
                          {"run_type", "aggregate"},
                          {"repetitions", repetitions},
                          {"threads", 1},
                          {"aggregate_name", k.name},
                          {"aggregate_unit", k.unit},
                          {"iterations", ns->summary.n},
                          {"real_time", t},
                          {"cpu_time", t},
                          {"time_unit", "ns"}};
      std::vector<std::pair<std::string, double>> counters;
      for (const MetricSummary& m : a.metrics)
        if (m.info.name != time_name) counters.push_back({m.info.name, pick(m.summary)});
      add_counters(e, counters);
      benchmarks.push_back(std::move(e));
    }
  }
  nlohmann::json ctx = gbench_context(report);
  ctx["heapreplay_failed_runs"] = std::move(failed);
  return {{"context", std::move(ctx)}, {"benchmarks", std::move(benchmarks)}};
}

}  // namespace heapreplay
