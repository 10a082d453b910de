// Exports of a report for other tools, in one table: `heapreplay report
// --format NAME` picks a row, its help and messages list the rows. Each
// export turns a Report into the text of one file; nothing here writes files
// (output_file.h does). Names, fields and units of each: reports/SCHEMA.md
// ("Exports"); docs/extending.md says how to add one.
//
// Benchmark names are "TRACE/ALLOCATOR" as the report names them. Runs whose
// status is not ok carry no figures and are left out (gbench lists them in
// its context under heapreplay_failed_runs).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "reports/run_result.h"

namespace heapreplay {

// gbench: Google Benchmark's JSON output (context + benchmarks), which Google
// Benchmark's tools/compare.py reads. One "iteration" entry per ok run and
// mean/median/stddev/cv "aggregate" entries, as --benchmark_repetitions
// writes them; memory and latency figures are user counters (gbench.cpp).
nlohmann::json export_gbench(const Report& report);

// bmf: Bencher Metric Format, {benchmark: {measure: {value, lower_value,
// upper_value}}}, medians with the 95% CI of the median as bounds (bmf.cpp).
nlohmann::json export_bmf(const Report& report);

// github-action: github-action-benchmark's customSmallerIsBetter array,
// [{name, unit, value, range, extra}], smaller-is-better figures only
// (github_action.cpp).
nlohmann::json export_github_action(const Report& report);

// junit: JUnit XML for CI test pages: a test case per (trace, allocator),
// failed when a run was not ok, the medians as properties (junit.cpp).
std::string export_junit(const Report& report);

// "TRACE/ALLOCATOR": the benchmark name every export uses.
std::string benchmark_name(const std::string& trace, const std::string& allocator);

// A JSON export as the file's text: indented by 2, a final newline, invalid
// UTF-8 in names replaced rather than thrown on.
std::string json_file_text(const nlohmann::json& j);

// Adapts an export that builds JSON to the table's render type.
template <nlohmann::json (*Export)(const Report&)>
std::string render_json(const Report& report) {
  return json_file_text(Export(report));
}

// One export: one row of kReportExports.
struct ReportExport {
  std::string_view name;         // the --format value
  std::string_view description;  // for --help: what it is and what reads it
  std::string_view extension;    // of a file holding it, without the dot
  // The whole file's text, ending in a newline. Throws nothing a report can
  // cause: every report read_report accepts renders.
  std::string (*render)(const Report& report);
};

// The exports, in the order --help lists them.
inline constexpr ReportExport kReportExports[] = {
    {"gbench", "Google Benchmark JSON, for compare.py", "json", render_json<export_gbench>},
    {"bmf", "Bencher Metric Format", "json", render_json<export_bmf>},
    {"github-action", "github-action-benchmark customSmallerIsBetter", "json", render_json<export_github_action>},
    {"junit", "JUnit XML, for CI servers' test pages", "xml", export_junit},
};

// The row named name, or nullptr.
const ReportExport* find_export(std::string_view name);

// The names joined for a message: "gbench, bmf or github-action" with
// last_separator " or ", "gbench|bmf|github-action" with both "|".
std::string export_names(std::string_view separator, std::string_view last_separator);

}  // namespace heapreplay
