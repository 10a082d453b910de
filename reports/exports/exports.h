// Exports of a report for existing CI tooling. Each turns a Report into the
// JSON another tool reads; nothing here writes files (output_file.h does).
// Names, measures and units of each format: reports/SCHEMA.md ("Exports").
//
// - gbench: Google Benchmark's JSON output (context + benchmarks), which
//   Google Benchmark's tools/compare.py reads. One "iteration" entry per ok
//   run and mean/median/stddev/cv "aggregate" entries, as
//   --benchmark_repetitions writes them; memory and latency figures are user
//   counters.
// - bmf: Bencher Metric Format, {benchmark: {measure: {value, lower_value,
//   upper_value}}}, medians with the 95% CI of the median as bounds.
// - github-action: github-action-benchmark's customSmallerIsBetter array,
//   [{name, unit, value, range, extra}], smaller-is-better figures only.
//
// Benchmark names are "TRACE/ALLOCATOR" as the report names them. Runs whose
// status is not ok carry no figures and are left out (gbench lists them in
// its context under heapreplay_failed_runs).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reports/run_result.h"

namespace heapreplay {

nlohmann::json export_gbench(const Report& report);
nlohmann::json export_bmf(const Report& report);
nlohmann::json export_github_action(const Report& report);

// "TRACE/ALLOCATOR": the benchmark name every export uses.
std::string benchmark_name(const std::string& trace, const std::string& allocator);

}  // namespace heapreplay
