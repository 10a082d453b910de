// A session: every (trace, allocator, repetition) run, each in its own child
// process, interleaved (rep 1 of every allocator on every trace, then rep 2,
// ...) so that drift of the machine hits all allocators alike.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/process/child.h"
#include "reports/run_result.h"
#include "reports/shard.h"
#include "traces/trace_source.h"

namespace heapreplay {

struct SessionOptions {
  std::vector<std::string> allocators;  // specs, already checked
  int repetitions = 1;
  std::string touch = "pages";
  std::uint64_t malloc_alignment = 1;  // --malloc-alignment (1: the allocator's own)
  bool validate = false;
  std::chrono::milliseconds timeout{600000};  // per run
  std::uint64_t memory_limit_bytes = 0;       // per run, RLIMIT_DATA (0: none)
  std::uint64_t sample_every = kAutomatic;    // memory samples (see ChildRequest)
  std::uint64_t latency_every = kAutomatic;   // latency samples (see ChildRequest)
  std::uint64_t window_events = 0;            // events a replay reads at a time (0: the default)
  bool serial = false;                        // multi-threaded traces on one thread
  std::string pace = "fast";                  // fast | recorded
  bool progress = false;                      // progress lines on stderr
  bool inherit_env = false;                   // --inherit-env: children keep the allocator variables we inherited
  bool sweep = false;                         // a grid was expanded: the number of runs is printed first
  std::string command_line;                   // for the report's context
  // --shard K/N: run only this shard's part of the run set (reports/shard.h)
  // and describe the whole set in the report's context.shard.
  ShardSpec shard;
};

// Runs everything and returns the report (context filled). Never throws for
// what a run does; a failed run is a RunResult with that status.
Report run_session(const std::vector<PreparedTrace>& traces, const SessionOptions& options);

// One run of `allocator` (a checked spec) on `trace` in its own child, made
// as run_session makes each of its runs (the options' time and memory
// limits, touch, validation, ...; their allocator list is not read).
RunResult run_one(const PreparedTrace& trace, const std::string& allocator, const SessionOptions& options,
                  int repetition = 0);

// Half of the machine's physical memory: the default per-run memory limit.
std::uint64_t default_memory_limit_bytes();

// The report's context block: date, host, CPU, compiler, build, revision,
// command line. Allocator versions are added by run_session from the runs.
nlohmann::json session_context(const SessionOptions& options);

}  // namespace heapreplay
