// Splitting a trace into per-thread streams with cross-thread waits.
#include "harness/replay/thread_plan.h"

namespace heapreplay {

ThreadPlan plan_threads(const TraceView& trace) {
  ThreadPlan plan;
  plan.threads.resize(trace.thread_count == 0 ? 1 : trace.thread_count);
  // For each slot: the last thread that touched it, and how many of that
  // thread's events were done after touching it.
  struct Last {
    std::uint32_t thread = 0;
    std::uint64_t done = 0;  // 0: never touched
  };
  std::vector<Last> last(trace.object_count);
  for (std::uint64_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    ThreadStream& s = plan.threads[e.thread];
    std::uint64_t wait = 0;
    if (e.id != kNoObject) {
      Last& l = last[e.id];
      if (l.done != 0 && l.thread != e.thread) {
        wait = (std::uint64_t{l.thread} << ThreadPlan::kThreadShift) | l.done;
        ++plan.cross_thread_waits;
      }
      l.thread = e.thread;
      l.done = s.events.size() + 1;
    }
    s.events.push_back(i);
    s.wait.push_back(wait);
  }
  return plan;
}

}  // namespace heapreplay
