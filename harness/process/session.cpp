// Running a whole session of child-process runs (see session.h).
#include "harness/process/session.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "allocators/registry.h"
#include "build_config.h"
#include "harness/process/allocator_env.h"
#include "harness/process/interrupt.h"
#include "harness/process/spawn.h"

namespace heapreplay {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void show_progress(std::size_t done, std::size_t total, const std::string& what,
                   std::chrono::steady_clock::time_point start) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string eta;
  if (done > 0) {
    double left = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
    eta = ", about " + std::to_string(static_cast<long>(left + 0.5)) + " s left";
  }
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s%s", done + 1, total, what.c_str(), eta.c_str());
  std::fflush(stderr);
}

}  // namespace

std::uint64_t default_memory_limit_bytes() {
#ifdef HEAPREPLAY_SANITIZED
  return 0;  // AddressSanitizer's shadow mappings already exceed any such limit
#endif
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) / 2;
}

nlohmann::json session_context(const SessionOptions& options) {
  nlohmann::json inherited = nlohmann::json::object();
  for (const auto& [name, value] : inherited_allocator_variables()) inherited[name] = value;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  struct utsname u {};
  ::uname(&u);
  return {{"date", utc_now()},
          {"host", host},
          {"cpu", cpu_model()},
          {"cpu_count", ::sysconf(_SC_NPROCESSORS_ONLN)},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"heapreplay_version", HEAPREPLAY_VERSION},
          {"git_revision", HEAPREPLAY_GIT_REVISION},
          {"compiler", HEAPREPLAY_COMPILER},
          {"build_type", HEAPREPLAY_BUILD_TYPE},
          {"command_line", options.command_line},
          {"repetitions", options.repetitions},
          {"touch", options.touch},
          {"malloc_alignment", options.malloc_alignment},
          {"validate", options.validate},
          {"serial", options.serial},
          {"pace", options.pace},
          {"timeout_ms", options.timeout.count()},
          {"memory_limit_bytes", options.memory_limit_bytes},
          {"sample_every",
           options.sample_every == kAutomatic ? nlohmann::json("auto") : nlohmann::json(options.sample_every)},
          {"latency_every",
           options.latency_every == kAutomatic ? nlohmann::json("auto") : nlohmann::json(options.latency_every)},
          {"inherited_env", std::move(inherited)},
          {"inherit_env", options.inherit_env},
          {"allocators", nlohmann::json::object()}};
}

namespace {

// context.shard: this shard, the run set's identity (the traces' contents,
// the allocators, the options that change a run, the build) and every
// planned run with its shard (reports/SCHEMA.md, "shard").
template <typename PlannedRun>
nlohmann::json shard_context(const std::vector<PreparedTrace>& traces, const SessionOptions& o, std::size_t runs,
                             PlannedRun planned_run) {
  nlohmann::json trace_ids = nlohmann::json::array();
  for (const PreparedTrace& t : traces) trace_ids.push_back({t.label, file_hash_hex(t.hrt_path)});
  const nlohmann::json identity = {
      {"traces", trace_ids},
      {"allocators", o.allocators},
      {"options",
       {{"repetitions", o.repetitions},
        {"touch", o.touch},
        {"malloc_alignment", o.malloc_alignment},
        {"validate", o.validate},
        {"serial", o.serial},
        {"pace", o.pace},
        {"sample_every", o.sample_every},
        {"latency_every", o.latency_every},
        {"timeout_ms", o.timeout.count()},
        {"memory_limit_bytes", o.memory_limit_bytes}}},
      {"shards", o.shard.count},
      {"inherit_env", o.inherit_env},
      {"build", {HEAPREPLAY_VERSION, HEAPREPLAY_GIT_REVISION, HEAPREPLAY_COMPILER, HEAPREPLAY_BUILD_TYPE}}};
  nlohmann::json planned = nlohmann::json::array();
  for (std::size_t i = 0; i < runs; ++i) planned.push_back(planned_run(i));
  return {{"index", o.shard.index},
          {"count", o.shard.count},
          {"run_set", fnv1a_hex(identity.dump())},
          {"planned", std::move(planned)}};
}

// One run of the run set: a trace, an allocator, a repetition.
struct Slot {
  const PreparedTrace* trace;
  const std::string* allocator;
  int repetition;
};

// The run set in its interleaved order (repetition 1 of every allocator on
// every trace, then repetition 2, ...), each with its cost for sharding.
std::vector<Slot> planned_slots(const std::vector<PreparedTrace>& traces, const SessionOptions& options,
                                std::vector<double>& costs) {
  std::vector<Slot> slots;
  for (int rep = 0; rep < options.repetitions; ++rep)
    for (const PreparedTrace& t : traces)
      for (const std::string& a : options.allocators) {
        slots.push_back(Slot{&t, &a, rep});
        costs.push_back(static_cast<double>(std::max<std::uint64_t>(t.summary.events, 1)) *
                        allocator_cost_per_event(a));
      }
  return slots;
}

// One run in its own child, with the trace's own figures where the child
// could not give them.
RunResult run_slot(const Slot& slot, const SessionOptions& options, SpawnOptions& spawn) {
  const PreparedTrace& t = *slot.trace;
  const std::string& spec_text = *slot.allocator;
  AllocatorSpec spec = parse_allocator_spec(spec_text);
  ChildRequest req;
  req.trace_path = t.hrt_path;
  req.allocator = spec_text;
  req.touch = options.touch;
  req.malloc_alignment = options.malloc_alignment;
  req.validate = options.validate;
  req.memory_limit_bytes = options.memory_limit_bytes;
  req.sample_every = options.sample_every;
  req.latency_every = options.latency_every;
  req.window_events = options.window_events;
  req.serial = options.serial;
  req.pace = options.pace;
  spawn.preload = preload_library(spec);
  spawn.allocator_env = allocator_environment(spec);
  spawn.inherit_env = options.inherit_env;
  RunResult r = run_in_child(req, spawn);
  r.trace = t.label;
  r.repetition = slot.repetition;
  r.allocator = spec_text + (r.locked ? "+lock" : "");
  if (r.status != "ok" || r.peak_live_bytes == 0) {
    r.peak_live_bytes = t.summary.peak_live_bytes;
    r.final_live_bytes = t.summary.final_live_bytes;
  }
  return r;
}

}  // namespace

RunResult run_one(const PreparedTrace& trace, const std::string& allocator, const SessionOptions& options,
                  int repetition) {
  SpawnOptions spawn;
  spawn.self_exe = self_executable();
  spawn.timeout = options.timeout;
  return run_slot(Slot{&trace, &allocator, repetition}, options, spawn);
}

Report run_session(const std::vector<PreparedTrace>& traces, const SessionOptions& options) {
  Report report;
  report.context = session_context(options);
  SpawnOptions spawn;
  spawn.self_exe = self_executable();
  spawn.timeout = options.timeout;
  std::vector<double> costs;
  const std::vector<Slot> slots = planned_slots(traces, options, costs);
  const std::vector<int> shard_of =
      options.shard.active() ? assign_shards(costs, options.shard.count) : std::vector<int>(slots.size(), 1);
  const int mine = options.shard.active() ? options.shard.index : 1;
  if (options.shard.active())
    report.context["shard"] = shard_context(traces, options, slots.size(), [&](std::size_t i) {
      return nlohmann::json{{"trace", slots[i].trace->label},
                            {"allocator", *slots[i].allocator},
                            {"repetition", slots[i].repetition},
                            {"shard", shard_of[i]}};
    });
  const std::size_t total = static_cast<std::size_t>(std::count(shard_of.begin(), shard_of.end(), mine));
  std::size_t done = 0, completed = 0;
  auto start = std::chrono::steady_clock::now();
  auto stop = [&] {
    int sig = interrupt_signal();
    if (sig == 0) return false;
    const char* abbrev = sigabbrev_np(sig);
    report.interrupted =
        Interruption{abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig), completed, total};
    return true;
  };
  bool stopped = false;
  for (std::size_t i = 0; i < slots.size() && !stopped; ++i) {
    if (shard_of[i] != mine) continue;
    if ((stopped = stop())) break;
    const Slot& slot = slots[i];
    if (options.progress)
      show_progress(done, total,
                    *slot.allocator + " on " + slot.trace->label + " (repetition " +
                        std::to_string(slot.repetition + 1) + "/" + std::to_string(options.repetitions) + ")",
                    start);
    RunResult r = run_slot(slot, options, spawn);
    if (!r.allocator_version.empty()) report.context["allocators"][*slot.allocator] = r.allocator_version;
    if (r.status != "interrupted") ++completed;
    report.runs.push_back(std::move(r));
    ++done;
  }
  if (!stopped) stop();  // a signal during the last run
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  return report;
}

}  // namespace heapreplay
