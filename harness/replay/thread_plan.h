// ThreadPlan: how a multi-threaded trace is split into one event stream per
// thread, and where a thread must wait for another, a window of events at a
// time.
//
// An event that touches an object slot last touched by another thread (a free
// of an object that thread allocated, or an allocation into a slot that
// thread freed) waits until that thread has done that event. Nothing else is
// ordered. A trace's event order is a total order consistent with every such
// dependency (each one points to an earlier event), so the plan never
// deadlocks. Windows are replayed one after another (every thread finishes a
// window before any starts the next), so a plan names only waits within its
// window.
#pragma once

#include <cstdint>
#include <span>

#include "core/mapped_buffer.h"
#include "traces/trace.h"

namespace heapreplay {

class ThreadPlan {
 public:
  static constexpr int kThreadShift = 48;
  static constexpr std::uint64_t kCountMask = (std::uint64_t{1} << kThreadShift) - 1;

  // Room for windows of up to `window_capacity` events (at most 2^32) of a
  // trace with these counts, mapped and pre-faulted now: building a plan
  // later allocates nothing and adds nothing to the process's RSS.
  ThreadPlan(std::uint64_t window_capacity, std::uint32_t object_count, std::uint32_t thread_count);

  // Makes this the plan of `window` (the next window of the trace, or all
  // of it), in one pass over its events.
  void build(const TraceView& window);

  std::size_t threads() const { return threads_; }
  // Thread t's events in this window: indexes into the window, in order,
  // and per event 0 or (other thread << kThreadShift | how many of that
  // thread's events in this window must be done first).
  std::span<const std::uint32_t> events(std::size_t t) const {
    return {events_.as<const std::uint32_t>() + begin(t), end(t) - begin(t)};
  }
  std::span<const std::uint64_t> waits(std::size_t t) const {
    return {waits_.as<const std::uint64_t>() + begin(t), end(t) - begin(t)};
  }
  // Cross-thread waits in every window built so far.
  std::uint64_t cross_thread_waits() const { return cross_thread_waits_; }

 private:
  std::size_t begin(std::size_t t) const { return static_cast<std::size_t>(offsets_.as<const std::uint64_t>()[t]); }
  std::size_t end(std::size_t t) const { return static_cast<std::size_t>(offsets_.as<const std::uint64_t>()[t + 1]); }

  std::size_t threads_;
  std::uint32_t generation_ = 0;  // of the window built last
  std::uint64_t cross_thread_waits_ = 0;
  MappedBuffer events_, waits_;  // per event of the window, grouped by thread
  MappedBuffer offsets_;         // per thread + 1: where its events begin
  MappedBuffer cursor_;          // per thread: the next place to fill while building
  MappedBuffer last_;            // per object slot: who touched it last in this window
};

// The plan of a whole trace in memory, as one window.
ThreadPlan plan_threads(const TraceView& trace);

}  // namespace heapreplay
