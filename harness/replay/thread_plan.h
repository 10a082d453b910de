// ThreadPlan: how a multi-threaded trace is split into one event stream per
// thread, and where a thread must wait for another.
//
// An event that touches an object slot last touched by another thread (a free
// of an object that thread allocated, or an allocation into a slot that
// thread freed) waits until that thread has done that event. Nothing else is
// ordered. A trace's event order is a total order consistent with every such
// dependency (each one points to an earlier event), so the plan never
// deadlocks.
#pragma once

#include <cstdint>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

struct ThreadStream {
  std::vector<std::uint64_t> events;  // indexes into the trace, in order
  // Per event: 0, or (other thread << 48 | events of that thread that must be
  // done first).
  std::vector<std::uint64_t> wait;
};

struct ThreadPlan {
  std::vector<ThreadStream> threads;  // one per trace thread
  std::uint64_t cross_thread_waits = 0;

  static constexpr int kThreadShift = 48;
  static constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kThreadShift) - 1;
};

// Builds the plan in one pass over the events. Every wait names an event
// that comes earlier in the trace, so no set of waits can form a cycle: a
// trace that could deadlock cannot be written in this format.
ThreadPlan plan_threads(const TraceView& trace);

}  // namespace heapreplay
