// One measured replay in this process (see child.h).
#include "harness/process/child.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>

#include "build_config.h"
#include "harness/allocator_dispatch.h"
#include "harness/measure/proc_memory.h"
#include "harness/replay/replay.h"
#include "reports/run_result.h"
#include "traces/hrt_format.h"
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

template <class A>
std::string version_of(const A& a) {
  if constexpr (requires { a.version(); })
    return a.version();
  else
    return "heapreplay " HEAPREPLAY_VERSION;
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

}  // namespace

int run_child(const ChildRequest& req) {
  try {
    // A safety net for traces that ask for more than the machine has: past
    // the limit, mappings fail and allocations return nullptr (counted), so a
    // run cannot push the whole machine into the OOM killer.
#ifndef HEAPREPLAY_SANITIZED  // the sanitizer's shadow mappings would exceed it at once
    if (req.memory_limit_bytes != 0) {
      struct rlimit rl {req.memory_limit_bytes, req.memory_limit_bytes};
      if (::setrlimit(RLIMIT_DATA, &rl) != 0) throw std::runtime_error("cannot set the memory limit");
    }
#endif
    AllocatorSpec spec = parse_allocator_spec(req.allocator);
    auto touch = touch_from_name(req.touch);
    if (!touch) throw OptionError("unknown touch policy '" + req.touch + "'");
    HrtFile file(req.trace_path, /*populate=*/true);
    TraceView trace = file.view();
    TraceSummary summary = summarize(trace);

    return with_allocator(spec, [&](auto& a) -> int {
      using A = std::remove_reference_t<decltype(a)>;
      RunResult r;
      r.allocator = spec.text;
      r.validate = req.validate;
      r.touch = detail::touchable<A>() ? touch_name(*touch) : "none";
      if constexpr (requires { a.is_active(); }) {
        if (!a.is_active()) {
          r.status = "failed";
          r.status_detail = spec.name + " is not the active malloc in the child (preload failed?)";
          write_result(req.result_fd, r);
          return kChildRunFailed;
        }
      }
      if (!detail::touchable<A>() && req.validate) {
        r.status = "failed";
        r.status_detail = spec.name + " hands out no real memory: --validate does not apply";
        write_result(req.result_fd, r);
        return kChildRunFailed;
      }
      r.allocator_version = version_of(a);
      ObjectTable table(trace.object_count);
      ReplayOptions opt{*touch, req.validate};

      // Baseline: everything so far (trace mapping, table, allocator set-up)
      // is the harness's, not the allocator's.
      ProcMemory before = read_proc_memory();
      bool reset = reset_peak_rss();
      ReplayOutcome out = replay(a, trace, table, opt);
      ProcMemory after = read_proc_memory();

      r.events = out.events;
      r.wall_ns = out.wall_ns;
      r.ns_per_event = out.events ? static_cast<double>(out.wall_ns) / static_cast<double>(out.events) : 0;
      r.events_per_second = out.wall_ns ? 1e9 * static_cast<double>(out.events) / static_cast<double>(out.wall_ns) : 0;
      r.peak_live_bytes = summary.peak_live_bytes;
      r.final_live_bytes = summary.final_live_bytes;
      r.failed_allocations = out.failed_allocations;
      r.baseline_rss_bytes = before.rss_anon_bytes;
      if (reset) {
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
      r.allocator_stats = stats_to_json(a.stats());
      if (out.violated) {
        r.status = "failed";
        r.status_detail = "validation failed at event " + std::to_string(out.violation_event) + ": " + out.violation;
        write_result(req.result_fd, r);
        return kChildRunFailed;
      }
      if (req.validate) {
        CheckResult c = a.check();
        if (!c.ok) {
          r.status = "failed";
          r.status_detail = "heap check failed after the replay: " + c.problem;
          write_result(req.result_fd, r);
          return kChildRunFailed;
        }
      }
      if (!write_result(req.result_fd, r)) return kChildBadRequest;
      return kChildOk;
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kChildBadRequest;
  }
}

}  // namespace heapreplay
