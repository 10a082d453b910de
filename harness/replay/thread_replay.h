// Multi-threaded replay: each trace thread's events run on a real thread of
// their own, through one allocator shared by all. A thread waits only where
// the plan says (another thread must first allocate or free that slot):
// it spins briefly, then sleeps on the other thread's progress counter. No
// global lock, nothing else serialised.
//
// Measuring (a ReplayMeasurement given): each thread times every
// latency_every-th event of its own stream into a recorder of its own (merged
// at the end) and keeps its own live requested and usable bytes (a thread
// that frees what another allocated goes below zero; the sum is right). Every
// check_every events of its own a thread adds them to a shared count (one
// atomic add per batch, not per event); when that count has reached the next
// sample point, the thread that gets the sampler (try_lock, never waiting)
// sums the threads' live bytes and reads the footprint and RSS, while the
// others go on. As in single-threaded runs, the time samples take is left out
// of the wall times (and of the samples' elapsed_ns): reading the
// allocator's statistics takes its locks and slows the other threads too.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
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

// One thread's measurements. Only its thread writes live and usable (plain
// relaxed stores); the sampler reads them.
struct alignas(64) ThreadMeter {
  std::atomic<std::int64_t> live{0};
  std::atomic<std::int64_t> usable{0};
  LatencyRecorder latency{0};
  std::uint64_t sampling_ns = 0;  // time this thread spent taking samples
};

// What the threads of a measured replay share.
struct ThreadedMeasure {
  ReplayMeasurement* ms = nullptr;
  ThreadMeter* meters = nullptr;
  std::size_t threads = 0;
  bool count_usable = false;         // usable bytes from usable_size() (the allocator keeps no counter)
  std::uint64_t check_every = 0;     // events of a thread between two additions to `counted`
  alignas(64) std::atomic<std::uint64_t> counted{0};  // events the threads have added so far
  std::atomic<std::uint64_t> next_due{~std::uint64_t{0}};  // *next_sample, readable without the lock
  std::atomic<std::uint64_t> sampling_ns{0};               // time all samples so far took (written under the lock)
  alignas(64) std::mutex sampler;                     // try_lock only: a busy sampler is never waited for
  const std::uint64_t* next_sample = nullptr;         // into ms->sample_at; under `sampler`
};

// Adds a thread's batch of events; takes the sample due, if any and if no
// other thread is taking one.
template <class A>
void offer_sample(A& a, ThreadedMeasure& tm, ThreadMeter& mine, std::uint64_t batch,
                  std::chrono::steady_clock::time_point start) {
  const std::uint64_t total = tm.counted.fetch_add(batch, std::memory_order_relaxed) + batch;
  if (total < tm.next_due.load(std::memory_order_relaxed) || !tm.sampler.try_lock()) return;
  std::lock_guard<std::mutex> g(tm.sampler, std::adopt_lock);
  const std::uint64_t done = tm.counted.load(std::memory_order_relaxed);
  if (done < *tm.next_sample) return;
  auto s0 = std::chrono::steady_clock::now();
  ReplayMeasurement& ms = *tm.ms;
  std::int64_t live = 0, usable = 0;
  for (std::size_t t = 0; t < tm.threads; ++t) {
    live += tm.meters[t].live.load(std::memory_order_relaxed);
    usable += tm.meters[t].usable.load(std::memory_order_relaxed);
  }
  MemorySample m;
  m.event = done;
  m.elapsed_ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(s0 - start).count()) -
      tm.sampling_ns.load(std::memory_order_relaxed);
  m.live_bytes = live > 0 ? static_cast<std::uint64_t>(live) : 0;
  m.usable_bytes = tm.count_usable ? (usable > 0 ? static_cast<std::uint64_t>(usable) : 0) : usable_now(a, ms);
  if (m.usable_bytes > ms.peak_usable_bytes) ms.peak_usable_bytes = m.usable_bytes;
  m.footprint_bytes = footprint_of(a);
  std::uint64_t rss = read_proc_memory().rss_anon_bytes;
  m.rss_bytes = rss > ms.rss_baseline_bytes ? rss - ms.rss_baseline_bytes : 0;
  if (ms.samples.size() < ms.samples.capacity()) ms.samples.push_back(m);
  while (*tm.next_sample <= done) ++tm.next_sample;
  tm.next_due.store(*tm.next_sample, std::memory_order_relaxed);
  const auto spent = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s0).count());
  mine.sampling_ns += spent;
  tm.sampling_ns.store(tm.sampling_ns.load(std::memory_order_relaxed) + spent, std::memory_order_relaxed);
}

template <class A, Touch T, bool M>
std::uint64_t run_stream(A& a, const TraceView& trace, const ThreadStream& stream, Slot* table,
                         Progress* progress, std::size_t me, Pace pace,
                         std::chrono::steady_clock::time_point start, ThreadOutcome& out, ThreadedMeasure* tm) {
  using Clock = std::chrono::steady_clock;
  std::uint64_t failed = 0;
  const std::uint64_t t0_trace = trace.timestamps_ns.empty() ? 0 : trace.timestamps_ns.front();
  // Measurement state, in registers; live and usable are published to the
  // thread's meter after each event that changes them.
  ThreadMeter* meter = M ? &tm->meters[me] : nullptr;
  const std::uint64_t latency_every = M ? tm->ms->latency_every : 0;
  std::uint64_t next_latency = latency_every ? latency_every - 1 : ~std::uint64_t{0};
  const std::uint64_t check_every = M && tm->check_every ? tm->check_every : ~std::uint64_t{0};
  std::uint64_t until_check = check_every;
  const bool count_usable = M && tm->count_usable;
  std::int64_t live = 0, usable = 0;
  auto track_alloc = [&](void* p, std::uint64_t size) {
    if constexpr (M) {
      live += static_cast<std::int64_t>(size);
      meter->live.store(live, std::memory_order_relaxed);
      if (count_usable) {
        usable += static_cast<std::int64_t>(a.usable_size(p));
        meter->usable.store(usable, std::memory_order_relaxed);
      }
    }
    (void)p, (void)size;
  };
  auto track_free = [&](void* p, std::uint64_t size) {
    if constexpr (M) {
      live -= static_cast<std::int64_t>(size);
      meter->live.store(live, std::memory_order_relaxed);
      if (count_usable) {
        usable -= static_cast<std::int64_t>(a.usable_size(p));
        meter->usable.store(usable, std::memory_order_relaxed);
      }
    }
    (void)p, (void)size;
  };
  std::size_t k = 0;
  auto timed = [&](Op op, auto&& call) {
    if constexpr (M) {
      if (k == next_latency) {
        next_latency += latency_every;
        auto t0 = LatencyRecorder::Clock::now();
        if constexpr (std::is_void_v<decltype(call())>) {
          call();
          meter->latency.record(op, t0, LatencyRecorder::Clock::now());
          return;
        } else {
          auto r = call();
          meter->latency.record(op, t0, LatencyRecorder::Clock::now());
          return r;
        }
      }
    }
    (void)op;
    return call();
  };
  for (; k < stream.events.size(); ++k) {
    if constexpr (M) {
      if (--until_check == 0) {
        until_check = check_every;
        offer_sample(a, *tm, *meter, check_every, start);
      }
    }
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
          if constexpr (A::kCapabilities.allocate_aligned)
            p = timed(Op::kAligned, [&] { return a.allocate_aligned(e.size, align, aligned_call(e.aligned_kind())); });
          else
            p = timed(Op::kAligned, [&] { return a.allocate(e.size, align); });
        } else if (e.op == Op::kCalloc) {
          if constexpr (A::kCapabilities.allocate_zeroed) {
            p = timed(Op::kCalloc, [&] { return a.allocate_zeroed(e.size); });
          } else {
            p = timed(Op::kCalloc, [&] {
              void* q = a.allocate(e.size, kNaturalAlignment);
              if constexpr (touchable<A>())
                if (q != nullptr) std::memset(q, 0, e.size);
              return q;
            });
          }
        } else {
          p = timed(Op::kMalloc, [&] { return a.allocate(e.size, kNaturalAlignment); });
        }
        table[e.id] = Slot{p, Slot::pack(e.size, e.op == Op::kAligned ? (e.aux & 0x3f) : 0)};
        if (p == nullptr) {
          ++failed;
        } else {
          track_alloc(p, e.size);
          touch_range<T>(p, 0, e.size);
        }
        break;
      }
      case Op::kRealloc: {
        Slot& s = table[e.id];
        if (e.size == 0) {
          if (s.ptr != nullptr) {
            track_free(s.ptr, s.size());
            timed(Op::kRealloc, [&] { a.deallocate(s.ptr, s.size(), s.alignment()); });
          }
          s.ptr = nullptr;
          break;
        }
        std::uint64_t old = s.ptr != nullptr ? s.size() : 0;
        // Counted as freed before the call; a failed realloc counts it back.
        if (s.ptr != nullptr) track_free(s.ptr, old);
        void* p = timed(Op::kRealloc, [&] {
          return s.ptr != nullptr ? a.reallocate(s.ptr, old, e.size, s.alignment()) : a.allocate(e.size, kNaturalAlignment);
        });
        if (p == nullptr) {
          ++failed;
          if (s.ptr != nullptr) track_alloc(s.ptr, old);
          break;
        }
        track_alloc(p, e.size);
        s = Slot{p, Slot::pack(e.size, 0)};
        touch_range<T>(p, old, e.size);
        break;
      }
      case Op::kFree: {
        if (e.id == kNoObject) {
          timed(Op::kFree, [&] { a.deallocate(nullptr, 0, kNaturalAlignment); });
          break;
        }
        Slot& s = table[e.id];
        if (s.ptr != nullptr) {
          track_free(s.ptr, s.size());
          timed(Op::kFree, [&] { a.deallocate(s.ptr, s.size(), s.alignment()); });
        }
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
  if constexpr (M) out.wall_ns -= std::min(out.wall_ns, tm->sampling_ns.load(std::memory_order_relaxed));
  return failed;
}

template <class A, Touch T, bool M>
ThreadedOutcome replay_threads_with(A& a, const TraceView& trace, const ThreadPlan& plan, Slot* table, Pace pace,
                                    ReplayMeasurement* ms) {
  const std::size_t n = plan.threads.size();
  std::vector<Progress> progress(n);
  std::vector<ThreadMeter> meters(M ? n : 0);
  ThreadedMeasure tm;
  if constexpr (M) {
    tm.ms = ms;
    tm.meters = meters.data();
    tm.threads = n;
    tm.count_usable = ms->track_usable && !allocated_bytes_of(a).has_value();
    // Samples land within an eighth of an interval of their point (times
    // the threads running at once), for one shared atomic add per batch.
    tm.check_every = ms->sample_every ? std::max<std::uint64_t>(1, ms->sample_every / 8) : 0;
    tm.next_sample = ms->sample_at.data();
    tm.next_due.store(*tm.next_sample);
    for (std::size_t t = 0; t < n; ++t) {
      meters[t].latency = LatencyRecorder(ms->latency_every ? plan.threads[t].events.size() / ms->latency_every + 1 : 0);
    }
  }
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
      failed[t] =
          run_stream<A, T, M>(a, trace, plan.threads[t], table, progress.data(), t, pace, start, out.threads[t], &tm);
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
  if constexpr (M) {
    out.wall_ns -= std::min(out.wall_ns, tm.sampling_ns.load());
    std::int64_t live = 0, usable = 0;
    for (std::size_t t = 0; t < n; ++t) {
      live += meters[t].live.load();
      usable += meters[t].usable.load();
      ms->latency.merge(meters[t].latency);
      ms->sampling_ns += meters[t].sampling_ns;
    }
    ms->live_bytes = live > 0 ? static_cast<std::uint64_t>(live) : 0;
    // The caller may not see the counter (it is Locked's, around its design).
    ms->usable_bytes = tm.count_usable ? (usable > 0 ? static_cast<std::uint64_t>(usable) : 0) : usable_now(a, *ms);
  }
  return out;
}

}  // namespace detail

// Replays `trace` on plan.threads.size() threads through `a`, which must be
// thread-safe (wrap our designs in Locked). `table` has room for every slot.
// With `ms` (prepared for this trace, active), the threads also take memory
// samples and latency into it (see the top of this file); ms->samples then
// holds the samples in the order taken, each at the events all threads had
// done by then, and ms->live_bytes and usable_bytes the state at the end.
template <Allocator A>
ThreadedOutcome replay_threads(A& a, const TraceView& trace, const ThreadPlan& plan, ObjectTable& table, Touch touch,
                               Pace pace, ReplayMeasurement* ms = nullptr) {
  static_assert(A::kThreadSafe, "multi-threaded replay needs a thread-safe allocator (wrap it in Locked)");
  using detail::replay_threads_with;
  Slot* slots = table.data();
  if constexpr (!touchable<A>()) {
    return replay_threads_with<A, Touch::kNone, false>(a, trace, plan, slots, pace, nullptr);
  } else {
    if (ms != nullptr && ms->active()) {
      switch (touch) {
        case Touch::kNone: return replay_threads_with<A, Touch::kNone, true>(a, trace, plan, slots, pace, ms);
        case Touch::kFirst: return replay_threads_with<A, Touch::kFirst, true>(a, trace, plan, slots, pace, ms);
        case Touch::kPages: return replay_threads_with<A, Touch::kPages, true>(a, trace, plan, slots, pace, ms);
        case Touch::kAll: return replay_threads_with<A, Touch::kAll, true>(a, trace, plan, slots, pace, ms);
      }
    }
    switch (touch) {
      case Touch::kNone: return replay_threads_with<A, Touch::kNone, false>(a, trace, plan, slots, pace, nullptr);
      case Touch::kFirst: return replay_threads_with<A, Touch::kFirst, false>(a, trace, plan, slots, pace, nullptr);
      case Touch::kPages: return replay_threads_with<A, Touch::kPages, false>(a, trace, plan, slots, pace, nullptr);
      case Touch::kAll: return replay_threads_with<A, Touch::kAll, false>(a, trace, plan, slots, pace, nullptr);
    }
    return {};
  }
}

}  // namespace heapreplay
