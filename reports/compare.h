// Comparison of two reports, the engine of `heapreplay compare`: for each
// (trace, allocator) in both, the change of ns/event, peak RSS, peak
// footprint and p99 latency per operation (for program runs: wall time and
// peak RSS) between BASE and NEW, a two-sided
// Mann-Whitney U test on the repetitions, and a verdict against a threshold
// per metric. Semantics (what counts as a regression, single repetitions,
// failed runs): reports/SCHEMA.md ("heapreplay compare"). Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "reports/aggregate.h"
#include "reports/run_result.h"
#include "reports/stats.h"

namespace heapreplay {

// Metrics compared, by the names --threshold takes. "p99" stands for every
// operation's p99 latency; "p99.OP" (e.g. "p99.malloc") for one.
// Program runs (`heapreplay run`) compare "wall_ns" and "peak_rss_bytes".
inline constexpr const char* kCompareMetrics[] = {"ns_per_event", "peak_rss_bytes", "peak_footprint_bytes", "p99",
                                                  "wall_ns"};

struct CompareOptions {
  double alpha = 0.05;  // significance level of the U test
  // Regression threshold in percent per metric name (above), or per
  // "p99.OP"; metrics not named use default_threshold_pct.
  std::map<std::string, double> threshold_pct;
  double default_threshold_pct = 5;
  // Noise floor of the memory metrics (unit bytes: peak_rss_bytes,
  // peak_footprint_bytes): a change of fewer bytes than this is `same`,
  // whatever its percentage. The kernel's RSS counters are approximate to
  // within a few hundred KiB, and a system allocator's footprint moves in
  // steps of its heap growth; on a small trace such a step is +50%.
  // 0: no floor.
  std::uint64_t min_bytes_change = 256 << 10;
  // Pairs (BASE allocator, NEW allocator) to compare with each other, for
  // two libraries under different names; when non-empty, only these pairs
  // are compared.
  std::vector<std::pair<std::string, std::string>> match;
};

// Threshold names accepted by --threshold METRIC=PCT, with their aliases
// ("time", "wall", "rss", "footprint") resolved; nullopt for an unknown name.
std::optional<std::string> canonical_threshold_name(const std::string& name);

enum class Verdict {
  kSame,            // within the threshold (or, for memory, within min_bytes_change)
  kImproved,        // better beyond the threshold (and significant when testable)
  kRegressed,       // worse beyond the threshold (and significant when testable): fails the gate
  kNotSignificant,  // beyond the threshold but p >= alpha: does not fail the gate
  kRunsFailed,      // BASE runs were ok, some NEW runs failed/crashed/timed out: fails the gate
  kFixed,           // some BASE runs failed, every NEW run is ok
  kBothFailed,      // no ok run on either side
  kNotMeasured,     // measured on one side only
};
const char* to_string(Verdict v);

struct MetricComparison {
  std::string trace;
  std::string allocator;  // "A", or "A -> B" for a --match pair
  std::string metric;     // "ns_per_event", "latency.malloc.p99_ns", ..., or "status"
  MetricUnit unit = MetricUnit::kCount;
  std::size_t n_base = 0, n_new = 0;  // ok runs measured on each side
  double base = 0, now = 0;           // medians
  double change_pct = 0;              // (now - base) / base * 100; +inf when base is 0 and now is not
  std::optional<UTest> test;          // absent with fewer than 2 values on a side
  bool test_used = false;             // the verdict rests on the test (it can reach p < alpha)
  double threshold_pct = 0;
  Verdict verdict = Verdict::kSame;
  std::string detail;  // for status rows: what failed; otherwise why the test was not used
};

struct Comparison {
  std::vector<MetricComparison> rows;
  std::vector<std::string> notes;  // one line each: single repetitions, groups in one report only, ...
  double alpha = 0.05;
  std::size_t regressions() const;  // rows whose verdict fails the gate
};

// Throws std::invalid_argument with a one-line message when the reports have
// no (trace, allocator) in common (after --match), or a --match name is in
// neither report.
Comparison compare_reports(const Report& base, const Report& now, const CompareOptions& options);

// The table for a terminal, then a one-line verdict.
std::string render_comparison_text(const Comparison& c);
// The same for a CI job summary (GitHub-flavoured markdown, every report
// text escaped).
std::string render_comparison_markdown(const Comparison& c);
nlohmann::json comparison_to_json(const Comparison& c);

}  // namespace heapreplay
