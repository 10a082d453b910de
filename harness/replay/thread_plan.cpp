// Splitting a window of a trace into per-thread streams with cross-thread
// waits (see thread_plan.h).
#include "harness/replay/thread_plan.h"

#include <algorithm>
#include <stdexcept>

namespace heapreplay {

namespace {

// For each slot: the last thread that touched it in the window whose
// generation it holds, and how many of that thread's events in the window
// were done after touching it. A slot of an older generation was not
// touched in this window: its last touch is done (windows do not overlap).
struct Last {
  std::uint32_t generation;
  std::uint32_t done;
  std::uint32_t thread;
};

}  // namespace

ThreadPlan::ThreadPlan(std::uint64_t window_capacity, std::uint32_t object_count, std::uint32_t thread_count)
    : threads_(thread_count == 0 ? 1 : thread_count),
      events_(window_capacity * sizeof(std::uint32_t)),
      waits_(window_capacity * sizeof(std::uint64_t)),
      offsets_((threads_ + 1) * sizeof(std::uint64_t)),
      cursor_(threads_ * sizeof(std::uint64_t)),
      last_(std::size_t{object_count} * sizeof(Last)) {
  if (window_capacity > 0xFFFFFFFFu) throw std::length_error("a thread plan's window holds at most 2^32 events");
}

void ThreadPlan::build(const TraceView& window) {
  const std::size_t n = window.events.size();
  if (n * sizeof(std::uint32_t) > events_.size()) throw std::length_error("window larger than the thread plan");
  auto* offsets = offsets_.as<std::uint64_t>();
  auto* cursor = cursor_.as<std::uint64_t>();
  auto* events = events_.as<std::uint32_t>();
  auto* waits = waits_.as<std::uint64_t>();
  auto* last = last_.as<Last>();
  // Generation 0 is what a fresh mapping holds: never a window's.
  if (++generation_ == 0) {
    std::fill(last, last + last_.size() / sizeof(Last), Last{0, 0, 0});
    generation_ = 1;
  }
  std::fill(offsets, offsets + threads_ + 1, 0);
  for (const Event& e : window.events) ++offsets[e.thread + 1];
  for (std::size_t t = 0; t < threads_; ++t) {
    offsets[t + 1] += offsets[t];
    cursor[t] = offsets[t];
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = window.events[i];
    const std::uint64_t at = cursor[e.thread]++;
    std::uint64_t wait = 0;
    if (e.id != kNoObject) {
      Last& l = last[e.id];
      if (l.generation == generation_ && l.thread != e.thread) {
        wait = (std::uint64_t{l.thread} << kThreadShift) | l.done;
        ++cross_thread_waits_;
      }
      l = Last{generation_, static_cast<std::uint32_t>(at - offsets[e.thread] + 1), e.thread};
    }
    events[at] = static_cast<std::uint32_t>(i);
    waits[at] = wait;
  }
}

ThreadPlan plan_threads(const TraceView& trace) {
  ThreadPlan plan(std::max<std::size_t>(trace.events.size(), 1), trace.object_count, trace.thread_count);
  plan.build(trace);
  return plan;
}

}  // namespace heapreplay
