// RunResult: the flat record of one (trace, allocator, repetition) run, and
// Report: a context block plus the runs. reports/ knows only these structs and
// JSON; it never runs anything. Every field is documented in reports/SCHEMA.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace heapreplay {

inline constexpr const char* kReportSchema = "heapreplay.report/1";

struct RunResult {
  std::string trace;      // the trace as the user named it
  std::string allocator;  // the allocator spec, e.g. "jemalloc", "segfit:faithful"
  int repetition = 0;     // 0-based
  std::string status = "ok";  // ok | failed | crashed | timeout
  std::string status_detail;  // why, for anything but ok (one line)
  int signal = 0;             // the signal that ended a crashed run
  std::string touch;          // touch policy in effect
  bool validate = false;

  std::uint64_t events = 0;             // events replayed
  std::uint64_t wall_ns = 0;            // the replay loop only (not loading)
  double ns_per_event = 0;
  double events_per_second = 0;
  std::uint64_t peak_live_bytes = 0;    // max over the trace of live requested bytes
  std::uint64_t final_live_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;     // peak anonymous resident memory above the pre-replay baseline
  std::uint64_t baseline_rss_bytes = 0; // anonymous resident memory just before the replay
  std::string rss_method;               // how peak_rss_bytes was measured
  std::uint64_t failed_allocations = 0;
  std::string allocator_version;
  nlohmann::json allocator_stats = nlohmann::json::object();
};

struct Report {
  nlohmann::json context = nlohmann::json::object();
  std::vector<RunResult> runs;
};

void to_json(nlohmann::json& j, const RunResult& r);
void from_json(const nlohmann::json& j, RunResult& r);

nlohmann::json report_to_json(const Report& report);

// Parses and checks a report; throws std::runtime_error with a one-line
// message (not ours, wrong schema version, missing or mistyped field).
Report report_from_json(const nlohmann::json& j);

}  // namespace heapreplay
