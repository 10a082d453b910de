// The replay core: what one trace event does to an allocator, written once
// for the single-thread loop (replay.h) and the multi-thread loop
// (thread_replay.h). Each loop supplies three policies as template
// arguments, so every combination compiles to straight-line code with no
// virtual call or flag test per event:
//   Touch T       what is written into each new block (touch.h);
//   a meter       the measurement: which calls are timed and how live and
//                 usable bytes are counted (NoMeter: none);
//   a checker     --validate's checks (NoChecks: none).
// The loops keep what is theirs: the event order, sampling, and (threads)
// waiting for each other.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "allocators/core/allocator.h"
#include "allocators/core/validator.h"
#include "harness/measure/latency_recorder.h"
#include "harness/measure/proc_memory.h"
#include "harness/replay/object_table.h"
#include "harness/replay/touch.h"
#include "reports/run_result.h"
#include "traces/trace.h"

namespace heapreplay {

// Measurement during a replay: memory samples every `sample_every` events
// (and after `extra_sample_at` events: the trace's peak of live bytes) and the
// latency of every `latency_every`-th event. Everything is sized by
// prepare() before the replay, so measuring allocates nothing while timing.
struct ReplayMeasurement {
  std::uint64_t sample_every = 0;     // 0: no memory samples
  std::uint64_t latency_every = 0;    // 0: no latency samples
  std::uint64_t extra_sample_at = 0;  // 0: none
  std::uint64_t rss_baseline_bytes = 0;
  std::uint64_t allocated_baseline_bytes = 0;  // the allocator's own allocated-bytes counter before the replay
  // Count live usable bytes per event for allocators without a byte counter
  // of their own (one usable_size() per allocation and per free). Off when no
  // memory samples are asked for, so that latency alone costs only its clock.
  bool track_usable = true;

  // Threaded replays: each thread's events in the whole trace, which sizes
  // its latency buffer (empty: room for every event on every thread).
  std::vector<std::uint64_t> thread_events;

  std::vector<MemorySample> samples;
  std::vector<std::uint64_t> sample_at;  // event counts after which to sample, ascending, ends with UINT64_MAX
  LatencyRecorder latency{0};
  std::uint64_t live_bytes = 0;
  std::uint64_t usable_bytes = 0;
  std::uint64_t peak_usable_bytes = 0;
  std::uint64_t sampling_ns = 0;  // time spent taking samples (left out of wall_ns)

  bool active() const { return sample_every != 0 || latency_every != 0; }
  // Sizes the buffers for a trace of `events` (call before the memory
  // baseline is taken).
  void prepare(std::uint64_t events);
};

// Live usable bytes of the replay now, from the allocator's own counter
// (CountsAllocatedBytes) less what it counted before the replay began; 0
// where it keeps no counter.
template <class A>
std::uint64_t usable_now(const A& a, const ReplayMeasurement& ms) {
  std::uint64_t v = allocated_bytes_of(a).value_or(0);
  return v > ms.allocated_baseline_bytes ? v - ms.allocated_baseline_bytes : 0;
}

namespace detail {

// The trace's recorded aligned call, as the allocator's enum names it. The
// two enums share their values, so this compiles to nothing.
constexpr AlignedCall aligned_call(AlignedKind k) {
  static_assert(static_cast<int>(AlignedKind::kMemalign) == static_cast<int>(AlignedCall::kMemalign) &&
                static_cast<int>(AlignedKind::kPosixMemalign) == static_cast<int>(AlignedCall::kPosixMemalign) &&
                static_cast<int>(AlignedKind::kAlignedAlloc) == static_cast<int>(AlignedCall::kAlignedAlloc) &&
                static_cast<int>(AlignedKind::kValloc) == static_cast<int>(AlignedCall::kValloc));
  return static_cast<AlignedCall>(k);
}

template <Touch T>
inline void touch_range(void* p, std::uint64_t from, std::uint64_t to) {
  auto* b = static_cast<unsigned char*>(p);
  if constexpr (T == Touch::kFirst) {
    if (from == 0 && to > 0) b[0] = 1;
  } else if constexpr (T == Touch::kPages) {
    for (std::uint64_t off = from; off < to; off += 4096) b[off] = 1;
  } else if constexpr (T == Touch::kAll) {
    if (to > from) std::memset(b + from, 0x5A, to - from);
  }
}

// Calls f(std::integral_constant<Touch, t>{}): a run-time policy to its
// compiled loop. An out-of-range value gives a default result.
template <class F>
auto with_touch(Touch t, F&& f) {
  switch (t) {
    case Touch::kNone: return f(std::integral_constant<Touch, Touch::kNone>{});
    case Touch::kFirst: return f(std::integral_constant<Touch, Touch::kFirst>{});
    case Touch::kPages: return f(std::integral_constant<Touch, Touch::kPages>{});
    case Touch::kAll: return f(std::integral_constant<Touch, Touch::kAll>{});
  }
  return decltype(f(std::integral_constant<Touch, Touch::kNone>{})){};
}

inline std::uint64_t seed_for(std::uint64_t event_index) { return event_index * 0xD1B54A32D192ED03ull + 1; }

// The replay state for validation; empty (and unused) when not validating.
struct ValidationState {
  Validator validator;
  std::uint64_t* seeds = nullptr;  // per slot: seed of the block's pattern
};

// Checker policies. Each check returns false on a violation and says why.
struct NoChecks {
  static constexpr bool kOn = false;
  NoChecks() = default;
  explicit NoChecks(ValidationState*) {}
};

struct Checks {
  static constexpr bool kOn = true;
  ValidationState* vs;
  std::string why;

  explicit Checks(ValidationState* state) : vs(state) {}

  // A block just handed out: aligned, apart from every live block, as big as
  // asked (usable size), zero if from calloc; then filled with its pattern.
  template <class A>
  bool new_block(const A& a, std::uint64_t index, std::uint32_t id, void* p, std::uint64_t size, std::size_t align,
                 bool zeroed) {
    if (reinterpret_cast<std::uintptr_t>(p) % align != 0) return fail("block not aligned to " + std::to_string(align));
    if (auto problem = vs->validator.add_block(p, size)) return fail(std::move(*problem));
    if (a.usable_size(p) < size)
      return fail("usable size " + std::to_string(a.usable_size(p)) + " < request " + std::to_string(size));
    if (zeroed)
      if (auto off = Validator::first_nonzero(p, size))
        return fail("calloc block not zeroed at offset " + std::to_string(*off));
    vs->seeds[id] = seed_for(index);
    Validator::fill(p, size, vs->seeds[id]);
    return true;
  }
  // The first `bytes` of block `p` of object `id` still hold its pattern.
  bool intact(std::uint32_t id, const void* p, std::uint64_t bytes, const char* context = "") {
    if (auto off = Validator::first_mismatch(p, bytes, vs->seeds[id]))
      return fail(context +
                  ("contents of object " + std::to_string(id) + " changed at offset " + std::to_string(*off)));
    return true;
  }
  void remove(const void* p) { vs->validator.remove_block(p); }

 private:
  bool fail(std::string problem) {
    why = std::move(problem);
    return false;
  }
};

// Times one call into `rec`.
template <class F>
auto timed_call(LatencyRecorder& rec, Op op, F&& call) {
  auto start = LatencyRecorder::Clock::now();
  if constexpr (std::is_void_v<decltype(call())>) {
    call();
    rec.record(op, start, LatencyRecorder::Clock::now());
  } else {
    auto r = call();
    rec.record(op, start, LatencyRecorder::Clock::now());
    return r;
  }
}

// Times the call of every `every`-th step (0: none) of a loop.
struct LatencyTimer {
  LatencyRecorder* rec = nullptr;
  std::uint64_t every = 0;
  std::uint64_t next = ~std::uint64_t{0};

  LatencyTimer(LatencyRecorder* r, std::uint64_t e) : rec(r), every(e), next(e ? e - 1 : ~std::uint64_t{0}) {}
  template <class F>
  auto operator()(Op op, std::uint64_t step, F&& call) {
    if (step == next) {
      next += every;
      return timed_call(*rec, op, call);
    }
    return call();
  }
};

// Meter policies: timed(op, step, call) makes the allocator call of a step,
// and alloc/free count a block handed out or given back.
struct NoMeter {
  static constexpr bool kOn = false;
  template <class F>
  auto timed(Op, std::uint64_t, F&& call) {
    return call();
  }
  void alloc(void*, std::uint64_t) {}
  void free(void*, std::uint64_t) {}
};

// Appends a memory sample taken now, after `event` events: live bytes as
// counted by the loop; usable bytes counted by the loop too (count_usable)
// or from the allocator's counter; its footprint; RSS above the baseline.
template <class A>
void take_sample(const A& a, ReplayMeasurement& ms, std::uint64_t event, std::uint64_t elapsed_ns,
                 std::uint64_t live_bytes, bool count_usable, std::uint64_t counted_usable_bytes) {
  MemorySample m;
  m.event = event;
  m.elapsed_ns = elapsed_ns;
  m.live_bytes = live_bytes;
  m.usable_bytes = count_usable ? counted_usable_bytes : usable_now(a, ms);
  if (m.usable_bytes > ms.peak_usable_bytes) ms.peak_usable_bytes = m.usable_bytes;
  m.footprint_bytes = footprint_of(a);
  std::uint64_t rss = read_proc_memory().rss_anon_bytes;
  m.rss_bytes = rss > ms.rss_baseline_bytes ? rss - ms.rss_baseline_bytes : 0;
  if (ms.samples.size() < ms.samples.capacity()) ms.samples.push_back(m);
}

// malloc, calloc or an aligned call (O, which is e.op): a new block for
// object e.id.
template <Touch T, Op O, class A, class Meter, class Checker>
[[gnu::always_inline]] inline bool allocate_event(A& a, const Event& e, std::uint64_t index, std::uint64_t step,
                                                  Slot* table, std::size_t malloc_align, Meter& meter, Checker& checker,
                                                  std::uint64_t& failed) {
  void* p;
  std::size_t align = malloc_align;
  constexpr bool zeroed = O == Op::kCalloc;
  if constexpr (O == Op::kMalloc) {
    p = meter.timed(Op::kMalloc, step, [&] { return a.allocate(e.size, malloc_align); });
    table[e.id] = Slot{p, Slot::pack(e.size, 0)};
  } else if constexpr (O == Op::kCalloc) {
    // calloc is allocate + zero for allocators without a calloc of their own,
    // and where calloc must ask more than the natural alignment.
    auto allocate_and_zero = [&] {
      void* q = a.allocate(e.size, malloc_align);
      if constexpr (touchable<A>())
        if (q != nullptr) std::memset(q, 0, e.size);
      return q;
    };
    if constexpr (A::kCapabilities.allocate_zeroed) {
      if (malloc_align == kNaturalAlignment)
        p = meter.timed(Op::kCalloc, step, [&] { return a.allocate_zeroed(e.size); });
      else
        p = meter.timed(Op::kCalloc, step, allocate_and_zero);
    } else {
      p = meter.timed(Op::kCalloc, step, allocate_and_zero);
    }
    table[e.id] = Slot{p, Slot::pack(e.size, 0)};
  } else {
    if (!e.alignment_valid()) {  // not a power of two: EINVAL in C, so no call
      table[e.id] = Slot{nullptr, 0};
      ++failed;
      return true;
    }
    align = std::max(static_cast<std::size_t>(e.alignment()), malloc_align);
    if constexpr (A::kCapabilities.allocate_aligned)
      p = meter.timed(Op::kAligned, step,
                      [&] { return a.allocate_aligned(e.size, align, aligned_call(e.aligned_kind())); });
    else
      p = meter.timed(Op::kAligned, step, [&] { return a.allocate(e.size, align); });
    table[e.id] = Slot{p, Slot::pack(e.size, e.aux & 0x3f)};
  }
  if (p == nullptr) {
    ++failed;
    return true;
  }
  meter.alloc(p, e.size);
  if constexpr (Checker::kOn) {
    return checker.new_block(a, index, e.id, p, e.size, align, zeroed);
  } else {
    touch_range<T>(p, 0, e.size);
    (void)index, (void)checker;
    return true;
  }
}

// realloc of object e.id (realloc(NULL, n) allocates; realloc to 0 frees).
template <Touch T, class A, class Meter, class Checker>
[[gnu::always_inline]] inline bool realloc_event(A& a, const Event& e, std::uint64_t index, std::uint64_t step,
                                                 Slot* table, std::size_t malloc_align, Meter& meter, Checker& checker,
                                                 std::uint64_t& failed) {
  Slot& s = table[e.id];
  const std::size_t align = std::max(s.alignment(), malloc_align);
  if (e.size == 0) {  // realloc to 0 frees
    if (s.ptr != nullptr) {
      if constexpr (Checker::kOn) {
        if (!checker.intact(e.id, s.ptr, s.size())) return false;
        checker.remove(s.ptr);
      }
      meter.free(s.ptr, s.size());
      meter.timed(Op::kRealloc, step, [&] { a.deallocate(s.ptr, s.size(), align); });
      s.ptr = nullptr;
    }
    return true;
  }
  const std::uint64_t old = s.ptr != nullptr ? s.size() : 0;
  // Counted as freed before the call; a failed realloc counts it back.
  if (s.ptr != nullptr) meter.free(s.ptr, old);
  if constexpr (Checker::kOn)
    if (s.ptr != nullptr && !checker.intact(e.id, s.ptr, old)) return false;
  void* p = meter.timed(Op::kRealloc, step, [&] {
    return s.ptr != nullptr ? a.reallocate(s.ptr, old, e.size, align) : a.allocate(e.size, malloc_align);
  });
  if (p == nullptr) {  // the old block stays live and unchanged
    ++failed;
    if (s.ptr != nullptr) meter.alloc(s.ptr, old);
    return true;
  }
  meter.alloc(p, e.size);
  if constexpr (Checker::kOn) {
    if (s.ptr != nullptr) {
      if (!checker.intact(e.id, p, old < e.size ? old : e.size, "realloc did not keep contents: ")) return false;
      checker.remove(s.ptr);
    }
    s = Slot{p, Slot::pack(e.size, 0)};
    return checker.new_block(a, index, e.id, p, e.size, malloc_align, false);
  } else {
    s = Slot{p, Slot::pack(e.size, 0)};
    touch_range<T>(p, old, e.size);
    (void)index;
    return true;
  }
}

// free of object e.id (or free(NULL)).
template <class A, class Meter, class Checker>
[[gnu::always_inline]] inline bool free_event(A& a, const Event& e, std::uint64_t step, Slot* table,
                                              std::size_t malloc_align, Meter& meter, Checker& checker) {
  if (e.id == kNoObject) {
    meter.timed(Op::kFree, step, [&] { a.deallocate(nullptr, 0, kNaturalAlignment); });
    return true;
  }
  Slot& s = table[e.id];
  if (s.ptr == nullptr) return true;  // its allocation failed: free(NULL)
  if constexpr (Checker::kOn) {
    if (!checker.intact(e.id, s.ptr, s.size())) return false;
    checker.remove(s.ptr);
  }
  (void)checker;
  meter.free(s.ptr, s.size());
  meter.timed(Op::kFree, step, [&] { a.deallocate(s.ptr, s.size(), std::max(s.alignment(), malloc_align)); });
  s.ptr = nullptr;
  return true;
}

// Replays event e (the trace's event `index`, the loop's step `step`)
// through a, with object slots in `table`; malloc, calloc and realloc ask
// for `malloc_align` (kNaturalAlignment: the allocator's own), which is also
// the least alignment of an aligned call. A failed allocation is counted in
// `failed` and leaves its slot empty. Returns false only when the checker
// found a violation (checker.why says what); the replay stops there.
template <Touch T, class A, class Meter, class Checker>
[[gnu::always_inline]] inline bool replay_event(A& a, const Event& e, std::uint64_t index, std::uint64_t step,
                                                Slot* table, std::size_t malloc_align, Meter& meter, Checker& checker,
                                                std::uint64_t& failed) {
  const std::size_t m = malloc_align;
  switch (e.op) {
    case Op::kMalloc: return allocate_event<T, Op::kMalloc>(a, e, index, step, table, m, meter, checker, failed);
    case Op::kCalloc: return allocate_event<T, Op::kCalloc>(a, e, index, step, table, m, meter, checker, failed);
    case Op::kAligned: return allocate_event<T, Op::kAligned>(a, e, index, step, table, m, meter, checker, failed);
    case Op::kRealloc: return realloc_event<T>(a, e, index, step, table, m, meter, checker, failed);
    case Op::kFree: return free_event(a, e, step, table, m, meter, checker);
  }
  return true;
}

}  // namespace detail

}  // namespace heapreplay
