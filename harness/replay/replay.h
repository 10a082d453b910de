// The single-thread replay loop: a template over the allocator, the touch
// policy and validation, so each combination compiles to its own tight loop
// with no virtual call, map lookup or allocation per event. What each event
// does is the replay core's (replay_core.h), shared with the threaded loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "allocators/core/allocator.h"
#include "harness/replay/event_windows.h"
#include "harness/replay/object_table.h"
#include "harness/replay/replay_core.h"
#include "harness/replay/touch.h"
#include "reports/run_result.h"
#include "traces/trace.h"

namespace heapreplay {

struct ReplayOptions {
  Touch touch = Touch::kPages;
  bool validate = false;  // pattern, alignment, usable-size and overlap checks (slow)
  // What malloc, calloc and realloc ask for: the allocator's own alignment,
  // or more (16 is what glibc's malloc promises on x86_64, and what our
  // drop-in libraries ask of a design).
  std::size_t malloc_alignment = kNaturalAlignment;
};

struct ReplayOutcome {
  std::uint64_t events = 0;              // events replayed (all of them unless violated)
  std::uint64_t wall_ns = 0;             // the replay loop only
  std::uint64_t failed_allocations = 0;  // allocations that returned nullptr (counted, not fatal)
  bool violated = false;                 // a --validate check failed; the replay stopped there
  std::uint64_t violation_event = 0;     // index of the event that exposed it
  std::string violation;                 // what was wrong
  std::uint64_t windows = 1;             // of events the replay went through
  std::uint64_t fetch_ns = 0;            // fetching and decoding windows after the first (left out of wall_ns)
};

namespace detail {

// The single-thread meter: live bytes counted per event into `ms`; live
// usable bytes come from the allocator's own counter at each sample where it
// keeps one (no cost per event), otherwise usable_size() is asked when a
// block is handed out and again just before it is given back, while its
// metadata is in cache anyway.
template <class A>
struct SerialMeter {
  static constexpr bool kOn = true;
  const A& a;
  ReplayMeasurement& ms;
  const bool count_usable;
  LatencyTimer timer;

  SerialMeter(const A& allocator, ReplayMeasurement& m)
      : a(allocator),
        ms(m),
        count_usable(m.track_usable && !allocated_bytes_of(allocator).has_value()),
        timer(&m.latency, m.latency_every) {}
  template <class F>
  auto timed(Op op, std::uint64_t step, F&& call) {
    return timer(op, step, call);
  }
  void alloc(void* p, std::uint64_t size) {
    ms.live_bytes += size;
    if (count_usable) ms.usable_bytes += a.usable_size(p);
  }
  void free(void* p, std::uint64_t size) {
    ms.live_bytes -= size;
    if (count_usable) ms.usable_bytes -= a.usable_size(p);
  }
};

template <class A, Touch T, bool V, bool M>
ReplayOutcome replay_loop(A& a, EventWindows& source, Slot* table, std::size_t malloc_align, ValidationState* vs,
                          ReplayMeasurement* ms) {
  using Clock = std::chrono::steady_clock;
  using Meter = std::conditional_t<M, SerialMeter<A>, NoMeter>;
  ReplayOutcome out;
  std::uint64_t failed = 0;
  std::conditional_t<V, Checks, NoChecks> checker(vs);
  Meter meter = [&] {
    if constexpr (M)
      return Meter(a, *ms);
    else
      return Meter{};
  }();
  const std::uint64_t* next_sample = M ? ms->sample_at.data() : nullptr;
  auto ns_since = [](Clock::time_point t) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count());
  };

  std::uint64_t i = source.first();
  auto t0 = Clock::now();
  for (;;) {
    const TraceView w = source.window();
    const Event* ev = w.events.data();
    const std::uint64_t end = i + w.events.size();
    for (; i < end; ++ev, ++i) {
      if constexpr (M) {
        // After event i-1: take the samples due at i events. Their cost is
        // measured and left out of the replay's wall time.
        if (i == *next_sample) {
          auto s0 = Clock::now();
          const auto elapsed =
              static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(s0 - t0).count());
          take_sample(a, *ms, i, elapsed - ms->sampling_ns - out.fetch_ns, ms->live_bytes, meter.count_usable,
                      ms->usable_bytes);
          while (*next_sample <= i) ++next_sample;
          ms->sampling_ns += ns_since(s0);
        }
      }
      if (!replay_event<T>(a, *ev, i, i, table, malloc_align, meter, checker, failed)) {
        if constexpr (V) {
          out.violated = true;
          out.violation_event = i;
          out.violation = std::move(checker.why);
          out.events = i;
        }
        return out;
      }
    }
    // The next window, off the clock like a sample.
    auto f0 = Clock::now();
    const bool more = source.advance();
    out.fetch_ns += ns_since(f0);
    if (!more) break;
    ++out.windows;
  }
  out.events = i;
  const std::uint64_t spent = (M ? ms->sampling_ns : 0) + out.fetch_ns;
  const std::uint64_t total = ns_since(t0);
  out.wall_ns = total > spent ? total - spent : 0;
  out.failed_allocations = failed;
  return out;
}

}  // namespace detail

// Replays every event of `source` through `a`, using `table` (which must
// have a slot for every object of the trace, all empty). Blocks still live
// at the end stay allocated (the caller's process ends, or it resets the
// allocator). With `ms` (prepared for this trace) and not validating, the
// replay also samples memory and latency into it; validating runs measure
// nothing.
template <Allocator A>
ReplayOutcome replay(A& a, EventWindows& source, ObjectTable& table, const ReplayOptions& opt,
                     ReplayMeasurement* ms = nullptr) {
  using detail::replay_loop;
  Slot* slots = table.data();
  const std::size_t align = opt.malloc_alignment;
  if constexpr (!touchable<A>()) {
    return replay_loop<A, Touch::kNone, false, false>(a, source, slots, align, nullptr, nullptr);
  } else {
    if (opt.validate) {
      detail::ValidationState vs;
      std::vector<std::uint64_t> seeds(table.size(), 0);
      vs.seeds = seeds.data();
      return replay_loop<A, Touch::kNone, true, false>(a, source, slots, align, &vs, nullptr);
    }
    if (ms != nullptr && ms->active())
      return detail::with_touch(opt.touch, [&](auto t) {
        return replay_loop<A, decltype(t)::value, false, true>(a, source, slots, align, nullptr, ms);
      });
    return detail::with_touch(opt.touch, [&](auto t) {
      return replay_loop<A, decltype(t)::value, false, false>(a, source, slots, align, nullptr, nullptr);
    });
  }
}

// The same over a trace in memory.
template <Allocator A>
ReplayOutcome replay(A& a, const TraceView& trace, ObjectTable& table, const ReplayOptions& opt,
                     ReplayMeasurement* ms = nullptr) {
  WholeTrace whole(trace);
  return replay(a, whole, table, opt, ms);
}

}  // namespace heapreplay
