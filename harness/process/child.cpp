// One measured replay in this process (see child.h).
#include "harness/process/child.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <optional>
#include <stdexcept>
#include <vector>

#include "allocators/dispatch.h"
#include "allocators/wrappers/locked.h"
#include "build_config.h"
#include "harness/measure/proc_memory.h"
#include "harness/process/allocator_env.h"
#include "harness/replay/event_windows.h"
#include "harness/replay/replay.h"
#include "harness/replay/thread_plan.h"
#include "harness/replay/thread_replay.h"
#include "reports/run_result.h"
#include "traces/hrt_format.h"
#include "traces/hrt_stream.h"
#include "traces/trace_builder.h"

namespace heapreplay {

namespace {

nlohmann::json stats_to_json(const AllocatorStats& s) {
  nlohmann::json j = {{"footprint_bytes", s.footprint_bytes},
                      {"footprint_peak_bytes", s.footprint_peak_bytes},
                      {"metadata_bytes", s.metadata_bytes},
                      {"map_calls", s.map_calls},
                      {"unmap_calls", s.unmap_calls}};
  for (const auto& [k, v] : s.extra) j[k] = v;
  return j;
}

nlohmann::json value_json(const OptionValue& v) {
  switch (v.type) {
    case OptionType::kFlag: return v.flag;
    case OptionType::kSigned: return v.signed_value;
    case OptionType::kUnsigned: return v.unsigned_value;
    case OptionType::kReal: return v.real;
    case OptionType::kChoice: return v.text;
  }
  return nullptr;
}

// The run's allocator_config (reports/SCHEMA.md): the settings asked and,
// for a system allocator, the allocator variables of this process's
// environment and every option the allocator reports. `not_taken` gets the
// first setting the allocator reports another value for.
nlohmann::json configuration_of(const AllocatorSpec& spec, std::string& not_taken) {
  nlohmann::json settings = nlohmann::json::object();
  for (const OptionSetting& s : spec.settings) settings[std::string(s.info->key)] = value_json(s.value);
  if (find_system_allocator(spec.name) == nullptr)
    return spec.settings.empty() ? nlohmann::json::object() : nlohmann::json{{"settings", settings}};
  nlohmann::json environment = nlohmann::json::object();
  for (const auto& [name, value] : inherited_allocator_variables()) environment[name] = value;
  ConfigurationReadBack rb = read_back_configuration(spec);
  nlohmann::json effective = nlohmann::json::object();
  for (const auto& [info, value] : rb.effective) effective[std::string(info->key)] = value_json(value);
  not_taken = rb.not_taken;
  return {
      {"settings", settings}, {"environment", environment}, {"effective", effective}, {"unverified", rb.unverified}};
}

template <class A>
std::string version_of(const A& a) {
  if constexpr (A::kCapabilities.version)
    return a.version();
  else
    return "heapreplay " HEAPREPLAY_VERSION;
}

// Fills the run's memory series, fragmentation figures and latency from what
// the replay measured; then asks the allocator to give memory back and
// records what it still holds.
template <class A>
void record_measurements(A& a, ReplayMeasurement& ms, const ReplayOutcome& out, const TraceSummary& summary,
                         bool threaded, RunResult& r) {
  // The state after the last event, untimed.
  MemorySample last;
  last.event = out.events;
  last.elapsed_ns = out.wall_ns;
  last.live_bytes = ms.live_bytes;
  last.usable_bytes = allocated_bytes_of(a) ? usable_now(a, ms) : ms.usable_bytes;
  last.footprint_bytes = footprint_of(a);
  std::uint64_t rss = read_proc_memory().rss_anon_bytes;
  last.rss_bytes = rss > ms.rss_baseline_bytes ? rss - ms.rss_baseline_bytes : 0;
  ms.samples.push_back(last);

  r.sample_every = ms.sample_every;
  r.samples = ms.samples;
  r.peak_usable_bytes = std::max(ms.peak_usable_bytes, last.usable_bytes);
  for (const MemorySample& m : ms.samples) r.peak_footprint_bytes = std::max(r.peak_footprint_bytes, m.footprint_bytes);
  AllocatorStats st = a.stats();
  r.peak_footprint_bytes = std::max(r.peak_footprint_bytes, st.footprint_peak_bytes);
  // The sample taken right after the trace's peak of live bytes (the replay
  // samples that event on purpose; with failed allocations, the fullest one).
  // Threads do not replay in trace order: there, the fullest sample.
  const MemorySample* at_peak = &ms.samples.back();
  for (const MemorySample& m : ms.samples) {
    if (!threaded && m.event == summary.peak_live_event) {
      at_peak = &m;
      break;
    }
    if (m.live_bytes > at_peak->live_bytes) at_peak = &m;
  }
  r.internal_fragmentation_bytes =
      at_peak->usable_bytes > at_peak->live_bytes ? at_peak->usable_bytes - at_peak->live_bytes : 0;
  // Without usable bytes (no memory samples and no counter of the
  // allocator's own) neither fragmentation in bytes is known: both stay 0.
  const bool usable_known = ms.track_usable || allocated_bytes_of(a).has_value();
  if (usable_known)
    r.external_fragmentation_bytes =
        at_peak->footprint_bytes > at_peak->usable_bytes ? at_peak->footprint_bytes - at_peak->usable_bytes : 0;
  if (at_peak->live_bytes > 0)
    r.fragmentation_at_peak_live =
        static_cast<double>(at_peak->footprint_bytes) / static_cast<double>(at_peak->live_bytes);
  if (summary.peak_live_bytes > 0)
    r.fragmentation_peak_ratio =
        static_cast<double>(r.peak_footprint_bytes) / static_cast<double>(summary.peak_live_bytes);
  if (r.peak_footprint_bytes > 0)
    r.utilization = static_cast<double>(summary.peak_live_bytes) / static_cast<double>(r.peak_footprint_bytes);
  r.final_footprint_bytes = last.footprint_bytes;
  if constexpr (A::kCapabilities.trim) a.trim();
  r.retained_after_trim_bytes = footprint_of(a);
  rss = read_proc_memory().rss_anon_bytes;
  r.retained_rss_after_trim_bytes = rss > ms.rss_baseline_bytes ? rss - ms.rss_baseline_bytes : 0;

  r.latency_sample_every = ms.latency_every;
  r.clock_overhead_ns = ms.latency.clock_overhead_ns();
  r.latency = ms.latency.summarize();
}

bool write_result(int fd, const RunResult& r) {
  std::string text = nlohmann::json(r).dump() + "\n";
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// A run that could not be done: the result says why.
int refuse(RunResult& r, std::string why, int fd) {
  r.status = "failed";
  r.status_detail = std::move(why);
  write_result(fd, r);
  return kChildRunFailed;
}

// What the child knows of its trace before the replay, from one pass over
// it: the summary, and each thread's events.
struct TraceFacts {
  TraceSummary summary;
  std::vector<std::uint64_t> thread_events;
};

// The trace of a run: read a window at a time, its facts from a first pass,
// and the replay's object table (lent to that pass as its scratch, then
// emptied). None of it comes from malloc but the few words of thread_events,
// so reading the trace leaves the allocator under test as it was.
struct TraceInput {
  HrtEventStream stream;
  TraceView shape;  // the trace's object and thread counts (no events)
  ObjectTable table;
  TraceFacts facts;

  TraceInput(const std::string& path, std::uint64_t window_events)
      : stream(path, window_events == 0 ? HrtEventStream::kDefaultWindowEvents : window_events),
        shape(stream.window()),
        table(shape.object_count) {
    facts.thread_events.assign(shape.thread_count, 0);
    TraceSummarizer sum(reinterpret_cast<std::uint64_t*>(table.data()));
    static_assert(sizeof(Slot) == 2 * sizeof(std::uint64_t));
    while (stream.next()) {
      sum.add(stream.window().events);
      for (const Event& e : stream.window().events) ++facts.thread_events[e.thread];
    }
    facts.summary = sum.summary();
    table.clear();
  }
};

// Sizes the memory samples and latency of a measured run.
void prepare_measurement(ReplayMeasurement& ms, const ChildRequest& req, const TraceFacts& facts, bool threaded) {
  const std::uint64_t n = facts.summary.events;
  ms.sample_every = req.sample_every == kAutomatic ? std::max<std::uint64_t>(1, n / 300) : req.sample_every;
  // Every 101st event, or sparser in traces past 101 M events: a million
  // timed events at most (4 MiB of samples), whatever the trace's length.
  ms.latency_every =
      req.latency_every == kAutomatic ? std::max<std::uint64_t>(101, n / 1'000'000 + 1) : req.latency_every;
  // Threads reach the trace's peak in an order of their own: no sample
  // is aimed at it there.
  ms.extra_sample_at = threaded ? 0 : facts.summary.peak_live_event;
  ms.track_usable = ms.sample_every != 0;
  ms.thread_events = facts.thread_events;
  ms.prepare(n);
  if (ms.latency_every != 0) ms.latency.set_clock_overhead_ns(LatencyRecorder::measure_clock_overhead_ns());
}

// What the replay's malloc, calloc and realloc ask of A: --malloc-alignment,
// but nothing more of a system allocator, whose malloc is what it asks for.
template <class A>
std::size_t malloc_alignment_for(const ChildRequest& req) {
  return A::kCapabilities.is_malloc ? kNaturalAlignment : static_cast<std::size_t>(req.malloc_alignment);
}

// The multi-threaded replay (our single-threaded designs behind one lock),
// with its per-thread figures in r.
template <class A>
ReplayOutcome replay_on_threads(A& a, EventWindows& source, ThreadPlan& plan, ObjectTable& table, Touch touch,
                                const ChildRequest& req, ReplayMeasurement* ms, RunResult& r) {
  Pace pace = req.pace == "recorded" ? Pace::kRecorded : Pace::kAsFastAsPossible;
  ThreadedOutcome t;
  if constexpr (A::kThreadSafe) {
    t = replay_threads(a, source, plan, table, touch, pace, ms, malloc_alignment_for<A>(req));
  } else {
    Locked<A> locked(a);
    t = replay_threads(locked, source, plan, table, touch, pace, ms, malloc_alignment_for<A>(req));
    r.locked = true;
  }
  ReplayOutcome out;
  out.events = t.events;
  out.wall_ns = t.wall_ns;
  out.failed_allocations = t.failed_allocations;
  out.windows = t.windows;
  out.fetch_ns = t.fetch_ns;
  r.threads = static_cast<int>(t.threads.size());
  r.pace = req.pace;
  for (const ThreadOutcome& th : t.threads) {
    ThreadResult tr;
    tr.events = th.events;
    tr.wall_ns = th.wall_ns;
    tr.events_per_second = th.wall_ns ? 1e9 * static_cast<double>(th.events) / static_cast<double>(th.wall_ns) : 0;
    tr.wait_ns = th.wait_ns;
    tr.waits = th.waits;
    r.wait_ns += th.wait_ns;
    r.per_thread.push_back(tr);
  }
  return out;
}

// Speed, live bytes and peak RSS of the replay into r.
void record_outcome(const ReplayOutcome& out, const TraceSummary& summary, const ProcMemory& before,
                    const ProcMemory& after, bool peak_was_reset, RunResult& r) {
  r.events = out.events;
  r.wall_ns = out.wall_ns;
  r.ns_per_event = out.events ? static_cast<double>(out.wall_ns) / static_cast<double>(out.events) : 0;
  r.events_per_second = out.wall_ns ? 1e9 * static_cast<double>(out.events) / static_cast<double>(out.wall_ns) : 0;
  r.peak_live_bytes = summary.peak_live_bytes;
  r.final_live_bytes = summary.final_live_bytes;
  r.failed_allocations = out.failed_allocations;
  r.windows = out.windows;
  r.window_fetch_ns = out.fetch_ns;
  r.baseline_rss_bytes = before.rss_anon_bytes;
  if (peak_was_reset) {
    // VmHWM now peaks over the replay only; take out the file-backed and
    // shared pages (the mapped trace, libraries), which are not heap.
    std::uint64_t non_anon = after.rss_file_bytes + after.rss_shmem_bytes + before.rss_anon_bytes;
    r.peak_rss_bytes = after.hwm_bytes > non_anon ? after.hwm_bytes - non_anon : 0;
    r.rss_method = "vmhwm-reset";
  } else {
    std::uint64_t base = before.rss_anon_bytes + before.rss_file_bytes + before.rss_shmem_bytes;
    r.peak_rss_bytes = after.hwm_bytes > base ? after.hwm_bytes - base : 0;
    r.rss_method = "vmhwm-since-start";
  }
}

// The run through allocator a, from the checks that it can run to the
// result on the pipe.
template <class A>
int run_with(A& a, const ChildRequest& req, const AllocatorSpec& spec, Touch touch, TraceInput& in) {
  const TraceView& shape = in.shape;
  const TraceSummary& summary = in.facts.summary;
  RunResult r;
  r.allocator = spec.text;
  r.validate = req.validate;
  r.touch = touchable<A>() ? touch_name(touch) : "none";
  r.malloc_alignment = malloc_alignment_for<A>(req);
  if constexpr (A::kCapabilities.is_active) {
    if (!a.is_active())
      return refuse(r, spec.text + " is not the active malloc in the child (preload failed?)", req.result_fd);
  }
  if (!touchable<A>() && req.validate)
    return refuse(r, spec.name + " hands out no real memory: --validate does not apply", req.result_fd);
  // Before anything is measured: what the allocator runs with, as it says.
  std::string not_taken;
  r.allocator_config = configuration_of(spec, not_taken);
  if (!not_taken.empty()) return refuse(r, not_taken, req.result_fd);
  r.allocator_version = version_of(a);
  ObjectTable& table = in.table;
  ReplayOptions opt{touch, req.validate, malloc_alignment_for<A>(req)};
  // Measurement: memory samples and latency, sized before the baseline.
  // The null allocator hands out no memory and validating runs are not
  // measurements: neither is sampled.
  if (req.pace != "fast" && req.pace != "recorded") throw OptionError("unknown pace '" + req.pace + "'");
  const bool paced = req.pace == "recorded";
  if (paced && !in.stream.timed())
    throw OptionError(req.trace_path + ": --pace recorded needs a trace with timestamps");
  // Several threads replay on as many threads (and a paced replay always
  // goes through the threaded path, which follows timestamps); validation
  // and --serial replay in trace order on one thread.
  const bool threaded = !req.serial && !req.validate && (shape.thread_count > 1 || paced);
  ReplayMeasurement ms;
  const bool measure = touchable<A>() && !req.validate;
  if (measure) prepare_measurement(ms, req, in.facts, threaded);

  // The threads' plan is the harness's: mapped before the baseline, so that
  // neither RSS nor a process-wide allocated-bytes counter charges it to the
  // allocator. The first window is loaded now too.
  std::optional<ThreadPlan> plan;
  if (threaded) plan.emplace(in.stream.window_capacity(), shape.object_count, shape.thread_count);
  StreamedTrace source(in.stream);
  // Baseline: everything so far (trace window, table, plan, allocator
  // set-up) is the harness's, not the allocator's.
  ProcMemory before = read_proc_memory();
  ms.rss_baseline_bytes = before.rss_anon_bytes;
  ms.allocated_baseline_bytes = allocated_bytes_of(a).value_or(0);
  bool reset = reset_peak_rss();
  ReplayOutcome out = threaded ? replay_on_threads(a, source, *plan, table, touch, req, measure ? &ms : nullptr, r)
                               : replay(a, source, table, opt, measure ? &ms : nullptr);
  ProcMemory after = read_proc_memory();
  if (measure) record_measurements(a, ms, out, summary, threaded, r);
  record_outcome(out, summary, before, after, reset, r);
  r.allocator_stats = stats_to_json(a.stats());
  if (out.violated)
    return refuse(r, "validation failed at event " + std::to_string(out.violation_event) + ": " + out.violation,
                  req.result_fd);
  if (req.validate) {
    CheckResult c = a.check();
    if (!c.ok) return refuse(r, "heap check failed after the replay: " + c.problem, req.result_fd);
  }
  if (!write_result(req.result_fd, r)) return kChildBadRequest;
  return kChildOk;
}

}  // namespace

int run_child(const ChildRequest& req) {
  try {
    // A safety net for traces that ask for more than the machine has: past
    // the limit, mappings fail and allocations return nullptr (counted), so a
    // run cannot push the whole machine into the OOM killer.
#ifndef HEAPREPLAY_SANITIZED  // the sanitizer's shadow mappings would exceed it at once
    if (req.memory_limit_bytes != 0) {
      struct rlimit rl {
        req.memory_limit_bytes, req.memory_limit_bytes
      };
      if (::setrlimit(RLIMIT_DATA, &rl) != 0) throw std::runtime_error("cannot set the memory limit");
    }
#endif
    if (!valid_malloc_alignment(req.malloc_alignment))
      throw OptionError("--malloc-alignment must be 1 (natural) or a power of two up to 4096");
    AllocatorSpec spec = parse_allocator_spec(req.allocator);
    auto touch = touch_from_name(req.touch);
    if (!touch) throw OptionError("unknown touch policy '" + req.touch + "'");
    std::optional<TraceInput> in;
    try {
      in.emplace(req.trace_path, req.window_events);
    } catch (const std::bad_alloc&) {
      throw std::runtime_error(req.trace_path +
                               ": no memory for the replay's window of events and object table (the memory limit is "
                               "too low for them?)");
    }
    return with_allocator(spec, [&](auto& a) -> int { return run_with(a, req, spec, *touch, *in); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kChildBadRequest;
  }
}

}  // namespace heapreplay
