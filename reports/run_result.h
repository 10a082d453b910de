// RunResult: the flat record of one (trace, allocator, repetition) run, and
// Report: a context block plus the runs. reports/ knows only these structs and
// JSON; it never runs anything. Every field is documented in reports/SCHEMA.md.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace heapreplay {

inline constexpr const char* kReportSchema = "heapreplay.report/1";

// One point of a run's memory time series (taken every `sample_every` events).
struct MemorySample {
  std::uint64_t event = 0;            // events replayed so far
  std::uint64_t elapsed_ns = 0;       // replay time so far
  std::uint64_t live_bytes = 0;       // requested bytes of live objects
  std::uint64_t usable_bytes = 0;     // usable_size() of live objects: what the allocator handed out
  std::uint64_t footprint_bytes = 0;  // the allocator's footprint (see SCHEMA.md per allocator)
  std::uint64_t rss_bytes = 0;        // resident anonymous memory above the pre-replay baseline
};

// Latency of one kind of operation, from sampled events.
struct LatencyStats {
  std::uint64_t count = 0;  // sampled events of this kind
  double p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0, mean_ns = 0;
  // Log-bucketed histogram: bucket i holds latencies in (upper[i-1], upper[i]] (see SCHEMA.md).
  std::vector<double> bucket_upper_ns;
  std::vector<std::uint64_t> bucket_count;
};

// One thread of a multi-threaded replay.
struct ThreadResult {
  std::uint64_t events = 0;
  std::uint64_t wall_ns = 0;  // from the common start to this thread's last event
  double events_per_second = 0;
  std::uint64_t wait_ns = 0;  // time spent waiting for other threads' events it depends on
  std::uint64_t waits = 0;    // dependencies that were not yet met when reached
};

struct RunResult {
  // "replay": a trace replayed through the allocator (every field below but
  // the program ones); "program": a real program run under it (`heapreplay
  // run`), whose figures are the program fields, wall_ns and peak_rss_bytes.
  std::string kind = "replay";
  std::string trace;                   // the trace as the user named it; a program run: the program's name
  std::string allocator;               // the allocator spec, e.g. "jemalloc", "segfit:faithful"
  int repetition = 0;                  // 0-based
  std::string status = "ok";           // ok | failed | crashed | timeout
  std::string status_detail;           // why, for anything but ok (one line)
  int signal = 0;                      // the signal that ended a crashed run
  std::string touch;                   // touch policy in effect
  std::uint64_t malloc_alignment = 1;  // what malloc, calloc and realloc asked for (1: the allocator's own)
  bool validate = false;

  std::uint64_t events = 0;   // events replayed
  std::uint64_t wall_ns = 0;  // the replay loop only (not loading)
  double ns_per_event = 0;
  double events_per_second = 0;
  std::uint64_t peak_live_bytes = 0;  // max over the trace of live requested bytes
  std::uint64_t final_live_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;      // peak anonymous resident memory above the pre-replay baseline
  std::uint64_t baseline_rss_bytes = 0;  // anonymous resident memory just before the replay
  std::string rss_method;                // how peak_rss_bytes was measured
  std::uint64_t failed_allocations = 0;
  std::string allocator_version;
  nlohmann::json allocator_stats = nlohmann::json::object();
  // The allocator's options (SCHEMA.md, "allocator_config"): those the spec
  // set, the allocator variables of the child's environment, and what the
  // allocator reports in effect; empty when the spec set none and the
  // allocator reports none.
  nlohmann::json allocator_config = nlohmann::json::object();

  // Memory over time and fragmentation (formulas in SCHEMA.md).
  std::uint64_t sample_every = 0;  // events between samples (0: not sampled)
  std::vector<MemorySample> samples;
  std::uint64_t peak_footprint_bytes = 0;
  std::uint64_t peak_usable_bytes = 0;
  std::uint64_t internal_fragmentation_bytes = 0;   // usable - live, at the peak of live
  std::uint64_t external_fragmentation_bytes = 0;   // footprint - usable, at the peak of live
  double fragmentation_at_peak_live = 0;            // footprint / live at the peak of live (Johnstone & Wilson #3)
  double fragmentation_peak_ratio = 0;              // peak footprint / peak live (Johnstone & Wilson #4)
  double utilization = 0;                           // peak live / peak footprint (malloc lab)
  std::uint64_t final_footprint_bytes = 0;          // footprint after the last event
  std::uint64_t retained_after_trim_bytes = 0;      // footprint after asking the allocator to give memory back
  std::uint64_t retained_rss_after_trim_bytes = 0;  // RSS above baseline after the same

  // Threads: a trace of several threads replays on as many real threads.
  int threads = 1;            // threads the replay ran on
  bool locked = false;        // our design behind one lock (spec shown as NAME+lock)
  std::string pace = "fast";  // fast | recorded
  std::uint64_t wait_ns = 0;  // all threads' time waiting on cross-thread dependencies
  std::vector<ThreadResult> per_thread;

  // Streaming: the trace was read in `windows` windows of events; fetching
  // and decoding those after the first took window_fetch_ns (not in wall_ns).
  std::uint64_t windows = 1;
  std::uint64_t window_fetch_ns = 0;

  // Latency per operation ("malloc", "calloc", "realloc", "free", "aligned").
  std::uint64_t latency_sample_every = 0;  // every k-th event was timed (0: none)
  double clock_overhead_ns = 0;            // cost of one clock read pair, subtracted
  std::map<std::string, LatencyStats> latency;

  // Program runs (kind "program"; SCHEMA.md, "Program runs"). wall_ns is
  // then the program's wall time, peak_rss_bytes its ru_maxrss.
  std::vector<std::string> command;  // the program's argv
  int exit_code = -1;                // its exit status, -1 when it did not exit (signal, not started)
  std::uint64_t user_ns = 0, sys_ns = 0;
  std::uint64_t minor_faults = 0, major_faults = 0;
  std::uint64_t voluntary_switches = 0, involuntary_switches = 0;
  std::uint64_t spawn_rss_bytes = 0;     // heapreplay's anonymous RSS when it forked the run (the floor of ru_maxrss)
  std::string output_check;              // --check-output: "reference", "same", "differs", "no reference"; "" not asked
  std::string stdout_path, stderr_path;  // --keep-output files ("" when discarded)
};

// Why a session stopped early: a SIGINT or SIGTERM reached heapreplay. The
// report then holds every run that completed, plus the one that was killed
// (status "interrupted"); runs never started are not in it.
struct Interruption {
  std::string signal;                // "SIGINT" or "SIGTERM"
  std::uint64_t completed_runs = 0;  // runs that ended on their own (any status)
  std::uint64_t planned_runs = 0;    // runs the session would have made
};

struct Report {
  nlohmann::json context = nlohmann::json::object();
  std::vector<RunResult> runs;
  std::optional<Interruption> interrupted;  // absent: the session ran to its end
  // `heapreplay fidelity`: how well the stand-ins predict their references
  // (reports/fidelity.h; SCHEMA.md, "fidelity"); null for other sessions.
  nlohmann::json fidelity;
};

// One line saying a report is incomplete ("interrupted by SIGINT after 3 of
// 12 runs"); empty when it is not.
std::string interruption_text(const Report& report);

void to_json(nlohmann::json& j, const ThreadResult& t);
void from_json(const nlohmann::json& j, ThreadResult& t);
void to_json(nlohmann::json& j, const LatencyStats& l);
void from_json(const nlohmann::json& j, LatencyStats& l);
void to_json(nlohmann::json& j, const RunResult& r);
void from_json(const nlohmann::json& j, RunResult& r);

nlohmann::json report_to_json(const Report& report);

// Parses and checks a report; throws std::runtime_error with a one-line
// message (not ours, wrong schema version, missing or mistyped field).
Report report_from_json(const nlohmann::json& j);

}  // namespace heapreplay
