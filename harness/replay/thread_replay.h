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
#include <span>
#include <thread>
#include <vector>

#include "allocators/core/allocator.h"
#include "harness/replay/event_windows.h"
#include "harness/replay/object_table.h"
#include "harness/replay/replay_core.h"
#include "harness/replay/thread_plan.h"
#include "harness/replay/touch.h"
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
  std::uint64_t windows = 1;   // of events, one round each
  std::uint64_t fetch_ns = 0;  // between rounds: the next window and its plan (left out of wall_ns)
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
  bool count_usable = false;      // usable bytes from usable_size() (the allocator keeps no counter)
  std::uint64_t check_every = 0;  // events of a thread between two additions to `counted`
  alignas(64) std::atomic<std::uint64_t> counted{0};       // events the threads have added so far
  std::atomic<std::uint64_t> next_due{~std::uint64_t{0}};  // *next_sample, readable without the lock
  std::atomic<std::uint64_t> sampling_ns{0};               // time all samples so far took (written under the lock)
  alignas(64) std::mutex sampler;                          // try_lock only: a busy sampler is never waited for
  const std::uint64_t* next_sample = nullptr;              // into ms->sample_at; under `sampler`
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
  std::int64_t live = 0, usable = 0;
  for (std::size_t t = 0; t < tm.threads; ++t) {
    live += tm.meters[t].live.load(std::memory_order_relaxed);
    usable += tm.meters[t].usable.load(std::memory_order_relaxed);
  }
  const auto elapsed =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(s0 - start).count());
  take_sample(a, *tm.ms, done, elapsed - tm.sampling_ns.load(std::memory_order_relaxed),
              live > 0 ? static_cast<std::uint64_t>(live) : 0, tm.count_usable,
              usable > 0 ? static_cast<std::uint64_t>(usable) : 0);
  while (*tm.next_sample <= done) ++tm.next_sample;
  tm.next_due.store(*tm.next_sample, std::memory_order_relaxed);
  const auto spent = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s0).count());
  mine.sampling_ns += spent;
  tm.sampling_ns.store(tm.sampling_ns.load(std::memory_order_relaxed) + spent, std::memory_order_relaxed);
}

// One thread's meter: its live requested and usable bytes, kept in this
// object (registers, once inlined) and published to its ThreadMeter after
// each event that changes them; its latency into its own recorder.
template <class A>
struct StreamMeter {
  static constexpr bool kOn = true;
  const A& a;
  ThreadMeter& meter;
  const bool count_usable;
  LatencyTimer timer;
  std::int64_t live = 0, usable = 0;

  StreamMeter(const A& allocator, ThreadedMeasure& tm, ThreadMeter& mine)
      : a(allocator), meter(mine), count_usable(tm.count_usable), timer(&mine.latency, tm.ms->latency_every) {}
  template <class F>
  auto timed(Op op, std::uint64_t step, F&& call) {
    return timer(op, step, call);
  }
  void alloc(void* p, std::uint64_t size) {
    live += static_cast<std::int64_t>(size);
    meter.live.store(live, std::memory_order_relaxed);
    if (count_usable) {
      usable += static_cast<std::int64_t>(a.usable_size(p));
      meter.usable.store(usable, std::memory_order_relaxed);
    }
  }
  void free(void* p, std::uint64_t size) {
    live -= static_cast<std::int64_t>(size);
    meter.live.store(live, std::memory_order_relaxed);
    if (count_usable) {
      usable -= static_cast<std::int64_t>(a.usable_size(p));
      meter.usable.store(usable, std::memory_order_relaxed);
    }
  }
};

// Waits until thread `w >> kThreadShift` has done `w & kCountMask` events:
// spins briefly, then sleeps on its progress counter.
inline void wait_for(Progress* progress, std::uint64_t w, ThreadOutcome& out) {
  using Clock = std::chrono::steady_clock;
  Progress& other = progress[w >> ThreadPlan::kThreadShift];
  const std::uint64_t need = w & ThreadPlan::kCountMask;
  if (other.done.load(std::memory_order_acquire) >= need) return;
  auto w0 = Clock::now();
  ++out.waits;
  for (int spin = 0; spin < 2000 && other.done.load(std::memory_order_acquire) < need; ++spin)
    std::this_thread::yield();
  for (std::uint64_t v; (v = other.done.load(std::memory_order_acquire)) < need;) {
    other.sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (other.done.load(std::memory_order_seq_cst) == v) other.done.wait(v, std::memory_order_acquire);
    other.sleepers.fetch_sub(1, std::memory_order_relaxed);
  }
  out.wait_ns +=
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - w0).count());
}

// What the threads of a replay share besides the allocator: the window now
// replayed and the rounds, one per window. The coordinator (the caller's
// thread) loads each window and builds its plan while every thread waits
// for the next round; that time is left out of every wall time.
struct Rounds {
  std::chrono::steady_clock::time_point start;  // of the replay (set before the first round)
  TraceView window;
  std::uint64_t first = 0;                          // the window's first event in the trace
  std::uint64_t paused_ns = 0;                      // time spent between rounds so far
  std::uint64_t t0_trace = 0;                       // the trace's first timestamp (pacing)
  alignas(64) std::atomic<std::uint64_t> round{0};  // the round released (0: none yet)
  std::atomic<bool> stop{false};
  alignas(64) std::atomic<std::size_t> finished{0};  // threads done with the round

  // Waits (spinning briefly, then sleeping) until `r` is released; false
  // when the replay is over instead.
  bool wait_round(std::uint64_t r) {
    for (int spin = 0; spin < 2000 && round.load(std::memory_order_acquire) < r; ++spin) std::this_thread::yield();
    for (std::uint64_t v; (v = round.load(std::memory_order_acquire)) < r;) round.wait(v, std::memory_order_acquire);
    return !stop.load(std::memory_order_acquire);
  }
  void release() {
    round.fetch_add(1, std::memory_order_release);
    round.notify_all();
  }
  void done_with_round(std::size_t threads) {
    if (finished.fetch_add(1, std::memory_order_acq_rel) + 1 == threads) finished.notify_one();
  }
  void wait_all_done(std::size_t threads) {
    for (std::size_t v; (v = finished.load(std::memory_order_acquire)) < threads;)
      finished.wait(v, std::memory_order_acquire);
  }
};

// One thread's replay: its stream of every window, round after round, with
// one meter and one latency timer throughout.
template <class A, Touch T, bool M>
std::uint64_t run_stream(A& a, const ThreadPlan& plan, Rounds& rounds, Slot* table, std::size_t malloc_align,
                         Progress* progress, std::size_t me, Pace pace, ThreadOutcome& out, ThreadedMeasure* tm) {
  using Clock = std::chrono::steady_clock;
  using Meter = std::conditional_t<M, StreamMeter<A>, NoMeter>;
  std::uint64_t failed = 0;
  Meter meter = [&] {
    if constexpr (M)
      return Meter(a, *tm, tm->meters[me]);
    else
      return Meter{};
  }();
  NoChecks checker;
  const std::uint64_t check_every = M && tm->check_every ? tm->check_every : ~std::uint64_t{0};
  std::uint64_t until_check = check_every;
  std::uint64_t step = 0;
  for (std::uint64_t r = 1; rounds.wait_round(r); ++r) {
    const TraceView w = rounds.window;
    const std::span<const std::uint32_t> events = plan.events(me);
    const std::span<const std::uint64_t> waits = plan.waits(me);
    const bool paced = pace == Pace::kRecorded && !w.timestamps_ns.empty();
    const auto origin = rounds.start + std::chrono::nanoseconds(rounds.paused_ns);
    for (std::size_t k = 0; k < events.size(); ++k, ++step) {
      if constexpr (M) {
        if (--until_check == 0) {
          until_check = check_every;
          offer_sample(a, *tm, tm->meters[me], check_every, origin);
        }
      }
      if (std::uint64_t wt = waits[k]) wait_for(progress, wt, out);
      const std::uint32_t i = events[k];
      if (paced) {
        auto due = origin + std::chrono::nanoseconds(w.timestamps_ns[i] - rounds.t0_trace);
        if (Clock::now() < due) std::this_thread::sleep_until(due);
      }
      replay_event<T>(a, w.events[i], rounds.first + i, step, table, malloc_align, meter, checker, failed);
      Progress& mine = progress[me];
      mine.done.store(k + 1, std::memory_order_seq_cst);
      if (mine.sleepers.load(std::memory_order_seq_cst) != 0) mine.done.notify_all();
    }
    if (!events.empty()) {
      const auto ns = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - origin).count());
      out.wall_ns = ns;
    }
    out.events += events.size();
    rounds.done_with_round(plan.threads());
  }
  if constexpr (M) out.wall_ns -= std::min(out.wall_ns, tm->sampling_ns.load(std::memory_order_relaxed));
  return failed;
}

// The shared measurement of a threaded replay, and each thread's meter:
// sample points, latency recorders sized for each thread's events.
template <class A>
void start_thread_measure(A& a, EventWindows& source, ReplayMeasurement* ms, std::vector<ThreadMeter>& meters,
                          ThreadedMeasure& tm) {
  const std::size_t n = meters.size();
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
    const std::uint64_t mine = t < ms->thread_events.size() ? ms->thread_events[t] : source.events();
    meters[t].latency = LatencyRecorder(ms->latency_every ? mine / ms->latency_every + 1 : 0);
  }
}

// The threads' meters summed into `ms` once they have stopped.
template <class A>
void finish_thread_measure(A& a, ReplayMeasurement* ms, std::vector<ThreadMeter>& meters, const ThreadedMeasure& tm) {
  std::int64_t live = 0, usable = 0;
  for (ThreadMeter& m : meters) {
    live += m.live.load();
    usable += m.usable.load();
    ms->latency.merge(m.latency);
    ms->sampling_ns += m.sampling_ns;
  }
  ms->live_bytes = live > 0 ? static_cast<std::uint64_t>(live) : 0;
  // The caller may not see the counter (it is Locked's, around its design).
  ms->usable_bytes = tm.count_usable ? (usable > 0 ? static_cast<std::uint64_t>(usable) : 0) : usable_now(a, *ms);
}

template <class A, Touch T, bool M>
ThreadedOutcome replay_threads_with(A& a, EventWindows& source, ThreadPlan& plan, Slot* table, std::size_t malloc_align,
                                    Pace pace, ReplayMeasurement* ms) {
  using Clock = std::chrono::steady_clock;
  const std::size_t n = plan.threads();
  std::vector<Progress> progress(n);
  std::vector<ThreadMeter> meters(M ? n : 0);
  ThreadedMeasure tm;
  if constexpr (M) start_thread_measure(a, source, ms, meters, tm);
  ThreadedOutcome out;
  out.threads.resize(n);
  std::vector<std::uint64_t> failed(n, 0);
  Rounds rounds;
  rounds.window = source.window();
  rounds.first = source.first();
  rounds.t0_trace = rounds.window.timestamps_ns.empty() ? 0 : rounds.window.timestamps_ns.front();
  plan.build(rounds.window);
  std::atomic<std::size_t> ready{0};
  std::vector<std::thread> workers;
  workers.reserve(n);
  for (std::size_t t = 0; t < n; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      failed[t] =
          run_stream<A, T, M>(a, plan, rounds, table, malloc_align, progress.data(), t, pace, out.threads[t], &tm);
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  const Clock::time_point start = rounds.start = Clock::now();
  rounds.release();
  Clock::time_point end;
  for (;;) {
    rounds.wait_all_done(n);
    end = Clock::now();
    const bool more = source.advance();
    if (more) {
      // Every thread waits for the next round: the next window, its plan
      // and fresh progress counters, off the clock.
      rounds.window = source.window();
      rounds.first = source.first();
      plan.build(rounds.window);
      for (Progress& p : progress) p.done.store(0, std::memory_order_relaxed);
      rounds.finished.store(0, std::memory_order_relaxed);
      ++out.windows;
    } else {
      rounds.stop.store(true, std::memory_order_relaxed);
    }
    const auto paused =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - end).count());
    out.fetch_ns += paused;
    if (more) rounds.paused_ns += paused;  // the last one comes after the replay's end
    rounds.release();
    if (!more) break;
  }
  for (auto& w : workers) w.join();
  out.wall_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
  out.wall_ns -= std::min(out.wall_ns, rounds.paused_ns);
  for (std::size_t t = 0; t < n; ++t) {
    out.events += out.threads[t].events;
    out.failed_allocations += failed[t];
  }
  if constexpr (M) {
    out.wall_ns -= std::min(out.wall_ns, tm.sampling_ns.load());
    finish_thread_measure(a, ms, meters, tm);
  }
  return out;
}

}  // namespace detail

// Replays `source` on plan.threads() threads through `a`, which must be
// thread-safe (wrap our designs in Locked), a window at a time: `plan`
// (sized for the source's windows) is rebuilt for each. `table` has room for
// every slot. With `ms` (prepared for this trace, active), the threads also
// take memory samples and latency into it (see the top of this file);
// ms->samples then holds the samples in the order taken, each at the events
// all threads had done by then, and ms->live_bytes and usable_bytes the
// state at the end.
template <Allocator A>
ThreadedOutcome replay_threads(A& a, EventWindows& source, ThreadPlan& plan, ObjectTable& table, Touch touch, Pace pace,
                               ReplayMeasurement* ms = nullptr, std::size_t malloc_align = kNaturalAlignment) {
  static_assert(A::kThreadSafe, "multi-threaded replay needs a thread-safe allocator (wrap it in Locked)");
  using detail::replay_threads_with;
  Slot* slots = table.data();
  if constexpr (!touchable<A>()) {
    return replay_threads_with<A, Touch::kNone, false>(a, source, plan, slots, malloc_align, pace, nullptr);
  } else {
    if (ms != nullptr && ms->active())
      return detail::with_touch(touch, [&](auto t) {
        return replay_threads_with<A, decltype(t)::value, true>(a, source, plan, slots, malloc_align, pace, ms);
      });
    return detail::with_touch(touch, [&](auto t) {
      return replay_threads_with<A, decltype(t)::value, false>(a, source, plan, slots, malloc_align, pace, nullptr);
    });
  }
}

// The same over a trace in memory, as one window.
template <Allocator A>
ThreadedOutcome replay_threads(A& a, const TraceView& trace, ThreadPlan& plan, ObjectTable& table, Touch touch,
                               Pace pace, ReplayMeasurement* ms = nullptr,
                               std::size_t malloc_align = kNaturalAlignment) {
  WholeTrace whole(trace);
  return replay_threads(a, whole, plan, table, touch, pace, ms, malloc_align);
}

}  // namespace heapreplay
