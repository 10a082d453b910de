// Multi-threaded replay: each trace thread's events run on a real thread of
// their own, through one allocator shared by all. A thread waits only where
// the plan says (another thread must first allocate or free that slot):
// it spins briefly, then sleeps on the other thread's progress counter. No
// global lock, nothing else serialised.
#pragma once

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "allocators/core/allocator.h"
#include "harness/replay/object_table.h"
#include "harness/replay/replay.h"
#include "harness/replay/thread_plan.h"
#include "traces/trace.h"

namespace heapreplay {

struct ThreadOutcome {
  std::uint64_t events = 0;
  std::uint64_t wall_ns = 0;  // from the common start to this thread's last event
  std::uint64_t wait_ns = 0;  // time spent waiting for other threads (dependencies, pacing excluded)
  std::uint64_t waits = 0;    // cross-thread waits that found the other thread not yet there
};

struct ThreadedOutcome {
  std::uint64_t events = 0;
  std::uint64_t wall_ns = 0;  // the common start to the last thread's end
  std::uint64_t failed_allocations = 0;
  std::vector<ThreadOutcome> threads;
};

enum class Pace { kAsFastAsPossible, kRecorded };

namespace detail {

// One thread's progress, alone on its cache line.
struct alignas(64) Progress {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint32_t> sleepers{0};
};

template <class A, Touch T>
std::uint64_t run_stream(A& a, const TraceView& trace, const ThreadStream& stream, Slot* table,
                         Progress* progress, std::size_t me, Pace pace,
                         std::chrono::steady_clock::time_point start, ThreadOutcome& out) {
  using Clock = std::chrono::steady_clock;
  std::uint64_t failed = 0;
  const std::uint64_t t0_trace = trace.timestamps_ns.empty() ? 0 : trace.timestamps_ns.front();
  for (std::size_t k = 0; k < stream.events.size(); ++k) {
    if (std::uint64_t w = stream.wait[k]) {
      Progress& other = progress[w >> ThreadPlan::kThreadShift];
      const std::uint64_t need = w & ThreadPlan::kCountMask;
      if (other.done.load(std::memory_order_acquire) < need) {
        auto w0 = Clock::now();
        ++out.waits;
        for (int spin = 0; spin < 2000 && other.done.load(std::memory_order_acquire) < need; ++spin)
          std::this_thread::yield();
        for (std::uint64_t v; (v = other.done.load(std::memory_order_acquire)) < need;) {
          other.sleepers.fetch_add(1, std::memory_order_seq_cst);
          if (other.done.load(std::memory_order_seq_cst) == v) other.done.wait(v, std::memory_order_acquire);
          other.sleepers.fetch_sub(1, std::memory_order_relaxed);
        }
        out.wait_ns += static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - w0).count());
      }
    }
    const std::uint64_t i = stream.events[k];
    if (pace == Pace::kRecorded && !trace.timestamps_ns.empty()) {
      auto due = start + std::chrono::nanoseconds(trace.timestamps_ns[i] - t0_trace);
      if (Clock::now() < due) std::this_thread::sleep_until(due);
    }
    const Event& e = trace.events[i];
    switch (e.op) {
      case Op::kMalloc:
      case Op::kCalloc:
      case Op::kAligned: {
        void* p = nullptr;
        std::size_t align = kNaturalAlignment;
        if (e.op == Op::kAligned) {
          if (!e.alignment_valid()) {
            table[e.id] = Slot{nullptr, 0};
            ++failed;
            break;
          }
          align = static_cast<std::size_t>(e.alignment());
          if constexpr (requires { a.allocate_aligned(e.size, align, e.aligned_kind()); })
            p = a.allocate_aligned(e.size, align, e.aligned_kind());
          else
            p = a.allocate(e.size, align);
        } else if (e.op == Op::kCalloc) {
          if constexpr (requires { a.allocate_zeroed(e.size); }) {
            p = a.allocate_zeroed(e.size);
          } else {
            p = a.allocate(e.size, kNaturalAlignment);
            if constexpr (touchable<A>())
              if (p != nullptr) std::memset(p, 0, e.size);
          }
        } else {
          p = a.allocate(e.size, kNaturalAlignment);
        }
        table[e.id] = Slot{p, Slot::pack(e.size, e.op == Op::kAligned ? (e.aux & 0x3f) : 0)};
        if (p == nullptr)
          ++failed;
        else
          touch_range<T>(p, 0, e.size);
        break;
      }
      case Op::kRealloc: {
        Slot& s = table[e.id];
        if (e.size == 0) {
          if (s.ptr != nullptr) a.deallocate(s.ptr, s.size(), s.alignment());
          s.ptr = nullptr;
          break;
        }
        std::uint64_t old = s.ptr != nullptr ? s.size() : 0;
        void* p = s.ptr != nullptr ? a.reallocate(s.ptr, old, e.size, s.alignment()) : a.allocate(e.size, kNaturalAlignment);
        if (p == nullptr) {
          ++failed;
          break;
        }
        s = Slot{p, Slot::pack(e.size, 0)};
        touch_range<T>(p, old, e.size);
        break;
      }
      case Op::kFree: {
        if (e.id == kNoObject) {
          a.deallocate(nullptr, 0, kNaturalAlignment);
          break;
        }
        Slot& s = table[e.id];
        if (s.ptr != nullptr) a.deallocate(s.ptr, s.size(), s.alignment());
        s.ptr = nullptr;
        break;
      }
    }
    Progress& mine = progress[me];
    mine.done.store(k + 1, std::memory_order_seq_cst);
    if (mine.sleepers.load(std::memory_order_seq_cst) != 0) mine.done.notify_all();
  }
  out.events = stream.events.size();
  out.wall_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
  return failed;
}

template <class A, Touch T>
ThreadedOutcome replay_threads_with(A& a, const TraceView& trace, const ThreadPlan& plan, Slot* table, Pace pace) {
  const std::size_t n = plan.threads.size();
  std::vector<Progress> progress(n);
  ThreadedOutcome out;
  out.threads.resize(n);
  std::vector<std::uint64_t> failed(n, 0);
  std::atomic<std::size_t> ready{0};
  std::atomic<bool> go{false};
  std::chrono::steady_clock::time_point start;
  std::vector<std::thread> workers;
  workers.reserve(n);
  for (std::size_t t = 0; t < n; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      failed[t] = run_stream<A, T>(a, trace, plan.threads[t], table, progress.data(), t, pace, start, out.threads[t]);
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& w : workers) w.join();
  out.wall_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());
  for (std::size_t t = 0; t < n; ++t) {
    out.events += out.threads[t].events;
    out.failed_allocations += failed[t];
  }
  return out;
}

}  // namespace detail

// Replays `trace` on plan.threads.size() threads through `a`, which must be
// thread-safe (wrap our designs in Locked). `table` has room for every slot.
template <Allocator A>
ThreadedOutcome replay_threads(A& a, const TraceView& trace, const ThreadPlan& plan, ObjectTable& table, Touch touch,
                               Pace pace) {
  static_assert(A::kThreadSafe, "multi-threaded replay needs a thread-safe allocator (wrap it in Locked)");
  Slot* slots = table.data();
  if constexpr (!detail::touchable<A>()) {
    return detail::replay_threads_with<A, Touch::kNone>(a, trace, plan, slots, pace);
  } else {
    switch (touch) {
      case Touch::kNone: return detail::replay_threads_with<A, Touch::kNone>(a, trace, plan, slots, pace);
      case Touch::kFirst: return detail::replay_threads_with<A, Touch::kFirst>(a, trace, plan, slots, pace);
      case Touch::kPages: return detail::replay_threads_with<A, Touch::kPages>(a, trace, plan, slots, pace);
      case Touch::kAll: return detail::replay_threads_with<A, Touch::kAll>(a, trace, plan, slots, pace);
    }
    return {};
  }
}

}  // namespace heapreplay
