// The single-thread replay loop: a template over the allocator, the touch
// policy and validation, so each combination compiles to its own tight loop
// with no virtual call, map lookup or allocation per event.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "allocators/core/allocator.h"
#include "harness/measure/latency_recorder.h"
#include "harness/measure/proc_memory.h"
#include "harness/replay/object_table.h"
#include "harness/replay/touch.h"
#include "harness/replay/validator.h"
#include "reports/run_result.h"
#include "traces/trace.h"

namespace heapreplay {

struct ReplayOptions {
  Touch touch = Touch::kPages;
  bool validate = false;  // pattern, alignment, usable-size and overlap checks (slow)
};

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

  std::vector<MemorySample> samples;
  std::vector<std::uint64_t> sample_at;  // event counts after which to sample, ascending, ends with UINT64_MAX
  LatencyRecorder latency{0};
  std::uint64_t live_bytes = 0;
  std::uint64_t usable_bytes = 0;
  std::uint64_t peak_usable_bytes = 0;
  std::uint64_t sampling_ns = 0;  // time spent taking samples (left out of wall_ns)

  bool active() const { return sample_every != 0 || latency_every != 0; }
  // Sizes the buffers for `trace` (call before the memory baseline is taken).
  void prepare(const TraceView& trace);
};

struct ReplayOutcome {
  std::uint64_t events = 0;              // events replayed (all of them unless violated)
  std::uint64_t wall_ns = 0;             // the replay loop only
  std::uint64_t failed_allocations = 0;  // allocations that returned nullptr (counted, not fatal)
  bool violated = false;                 // a --validate check failed; the replay stopped there
  std::uint64_t violation_event = 0;     // index of the event that exposed it
  std::string violation;                 // what was wrong
};

// Live usable bytes of the replay now, from the allocator's own counter
// (CountsAllocatedBytes) less what it counted before the replay began.
template <class A>
std::uint64_t usable_now(const A& a, const ReplayMeasurement& ms) {
  std::uint64_t v = allocated_bytes_of(a).value_or(0);
  return v > ms.allocated_baseline_bytes ? v - ms.allocated_baseline_bytes : 0;
}

namespace detail {

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

// The trace's recorded aligned call, as the allocator's enum names it. The
// two enums share their values, so this compiles to nothing.
constexpr AlignedCall aligned_call(AlignedKind k) {
  static_assert(static_cast<int>(AlignedKind::kMemalign) == static_cast<int>(AlignedCall::kMemalign) &&
                static_cast<int>(AlignedKind::kPosixMemalign) == static_cast<int>(AlignedCall::kPosixMemalign) &&
                static_cast<int>(AlignedKind::kAlignedAlloc) == static_cast<int>(AlignedCall::kAlignedAlloc) &&
                static_cast<int>(AlignedKind::kValloc) == static_cast<int>(AlignedCall::kValloc));
  return static_cast<AlignedCall>(k);
}

inline std::uint64_t seed_for(std::uint64_t event_index) { return event_index * 0xD1B54A32D192ED03ull + 1; }

// The replay state for validation; empty (and unused) when not validating.
struct ValidationState {
  Validator validator;
  std::uint64_t* seeds = nullptr;  // per slot: seed of the block's pattern
};

template <class A, Touch T, bool V, bool M>
ReplayOutcome replay_loop(A& a, const TraceView& trace, Slot* table, ValidationState* vs, ReplayMeasurement* ms) {
  ReplayOutcome out;
  const Event* ev = trace.events.data();
  const std::size_t n = trace.events.size();
  std::uint64_t failed = 0;

  // Validation hooks. Each returns a message when a check fails.
  auto on_new_block = [&](std::size_t i, std::uint32_t id, void* p, std::uint64_t size, std::size_t align,
                          bool zeroed) -> std::optional<std::string> {
    if constexpr (V) {
      if (reinterpret_cast<std::uintptr_t>(p) % align != 0)
        return "block not aligned to " + std::to_string(align);
      if (auto why = vs->validator.add_block(p, size)) return why;
      if (a.usable_size(p) < size)
        return "usable size " + std::to_string(a.usable_size(p)) + " < request " + std::to_string(size);
      if (zeroed)
        if (auto off = Validator::first_nonzero(p, size)) return "calloc block not zeroed at offset " + std::to_string(*off);
      vs->seeds[id] = seed_for(i);
      Validator::fill(p, size, vs->seeds[id]);
    }
    (void)i, (void)id, (void)p, (void)size, (void)align, (void)zeroed;
    return std::nullopt;
  };
  auto check_block = [&](std::uint32_t id, const Slot& s, std::uint64_t bytes) -> std::optional<std::string> {
    if constexpr (V) {
      if (auto off = Validator::first_mismatch(s.ptr, bytes, vs->seeds[id]))
        return "contents of object " + std::to_string(id) + " changed at offset " + std::to_string(*off);
    }
    (void)id, (void)s, (void)bytes;
    return std::nullopt;
  };
  auto fail = [&](std::size_t i, std::string why) {
    out.violated = true;
    out.violation_event = i;
    out.violation = std::move(why);
    out.events = i;
  };

  // Measurement hooks; with M false they are the plain calls.
  std::uint64_t next_latency = M && ms->latency_every ? ms->latency_every - 1 : ~std::uint64_t{0};
  const std::uint64_t* next_sample = M ? ms->sample_at.data() : nullptr;
  std::size_t i = 0;
  auto timed = [&](Op op, auto&& call) {
    if constexpr (M) {
      if (i == next_latency) {
        next_latency += ms->latency_every;
        auto start = LatencyRecorder::Clock::now();
        if constexpr (std::is_void_v<decltype(call())>) {
          call();
          ms->latency.record(op, start, LatencyRecorder::Clock::now());
          return;
        } else {
          auto r = call();
          ms->latency.record(op, start, LatencyRecorder::Clock::now());
          return r;
        }
      }
    }
    (void)op;
    return call();
  };
  // Live bytes are counted per event. Live usable bytes come from the
  // allocator's own counter at each sample where it keeps one (no cost per
  // event); otherwise usable_size() is asked when a block is handed out and
  // again just before it is given back, while its metadata is in cache anyway.
  const bool count_usable = M && ms->track_usable && !allocated_bytes_of(a).has_value();
  auto track_alloc = [&](void* p, std::uint64_t size) {
    if constexpr (M) {
      ms->live_bytes += size;
      if (count_usable) ms->usable_bytes += a.usable_size(p);
    }
    (void)p, (void)size;
  };
  auto track_free = [&](void* p, std::uint64_t size) {
    if constexpr (M) {
      ms->live_bytes -= size;
      if (count_usable) ms->usable_bytes -= a.usable_size(p);
    }
    (void)p, (void)size;
  };

  auto t0 = std::chrono::steady_clock::now();
  for (; i < n; ++i) {
    const Event& e = ev[i];
    if constexpr (M) {
      // After event i-1: take the samples due at i events. Their cost is
      // measured and left out of the replay's wall time.
      if (i == *next_sample) {
        auto s0 = std::chrono::steady_clock::now();
        MemorySample m;
        m.event = i;
        m.elapsed_ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(s0 - t0).count()) - ms->sampling_ns;
        m.live_bytes = ms->live_bytes;
        m.usable_bytes = count_usable ? ms->usable_bytes : usable_now(a, *ms);
        if (m.usable_bytes > ms->peak_usable_bytes) ms->peak_usable_bytes = m.usable_bytes;
        m.footprint_bytes = footprint_of(a);
        std::uint64_t rss = read_proc_memory().rss_anon_bytes;
        m.rss_bytes = rss > ms->rss_baseline_bytes ? rss - ms->rss_baseline_bytes : 0;
        if (ms->samples.size() < ms->samples.capacity()) ms->samples.push_back(m);
        while (*next_sample <= i) ++next_sample;
        ms->sampling_ns += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - s0).count());
      }
    }
    switch (e.op) {
      case Op::kMalloc: {
        void* p = timed(Op::kMalloc, [&] { return a.allocate(e.size, kNaturalAlignment); });
        table[e.id] = Slot{p, Slot::pack(e.size, 0)};
        if (p == nullptr) {
          ++failed;
          break;
        }
        track_alloc(p, e.size);
        if constexpr (V) {
          if (auto why = on_new_block(i, e.id, p, e.size, 1, false)) return fail(i, *why), out;
        } else {
          touch_range<T>(p, 0, e.size);
        }
        break;
      }
      case Op::kCalloc: {
        void* p;
        if constexpr (A::kCapabilities.allocate_zeroed) {
          p = timed(Op::kCalloc, [&] { return a.allocate_zeroed(e.size); });
        } else {
          // calloc is allocate + zero for allocators without a calloc of their own.
          p = timed(Op::kCalloc, [&] {
            void* q = a.allocate(e.size, kNaturalAlignment);
            if constexpr (touchable<A>())
              if (q != nullptr) std::memset(q, 0, e.size);
            return q;
          });
        }
        table[e.id] = Slot{p, Slot::pack(e.size, 0)};
        if (p == nullptr) {
          ++failed;
          break;
        }
        track_alloc(p, e.size);
        if constexpr (V) {
          if (auto why = on_new_block(i, e.id, p, e.size, 1, true)) return fail(i, *why), out;
        } else {
          touch_range<T>(p, 0, e.size);
        }
        break;
      }
      case Op::kAligned: {
        if (!e.alignment_valid()) {  // not a power of two: EINVAL in C, so no call
          table[e.id] = Slot{nullptr, 0};
          ++failed;
          break;
        }
        std::size_t align = static_cast<std::size_t>(e.alignment());
        void* p;
        if constexpr (A::kCapabilities.allocate_aligned)
          p = timed(Op::kAligned, [&] { return a.allocate_aligned(e.size, align, aligned_call(e.aligned_kind())); });
        else
          p = timed(Op::kAligned, [&] { return a.allocate(e.size, align); });
        table[e.id] = Slot{p, Slot::pack(e.size, e.aux & 0x3f)};
        if (p == nullptr) {
          ++failed;
          break;
        }
        track_alloc(p, e.size);
        if constexpr (V) {
          if (auto why = on_new_block(i, e.id, p, e.size, align, false)) return fail(i, *why), out;
        } else {
          touch_range<T>(p, 0, e.size);
        }
        break;
      }
      case Op::kRealloc: {
        Slot& s = table[e.id];
        if (e.size == 0) {  // realloc to 0 frees
          if (s.ptr != nullptr) {
            if constexpr (V) {
              if (auto why = check_block(e.id, s, s.size())) return fail(i, *why), out;
              vs->validator.remove_block(s.ptr);
            }
            track_free(s.ptr, s.size());
            timed(Op::kRealloc, [&] { a.deallocate(s.ptr, s.size(), s.alignment()); });
            s.ptr = nullptr;
          }
          break;
        }
        std::uint64_t old = s.ptr != nullptr ? s.size() : 0;
        // Counted as freed before the call; a failed realloc counts it back.
        if (s.ptr != nullptr) track_free(s.ptr, old);
        if constexpr (V) {
          if (s.ptr != nullptr)
            if (auto why = check_block(e.id, s, old)) return fail(i, *why), out;
        }
        void* p = timed(Op::kRealloc, [&] {
          return s.ptr != nullptr ? a.reallocate(s.ptr, old, e.size, s.alignment())
                                  : a.allocate(e.size, kNaturalAlignment);
        });
        if (p == nullptr) {  // the old block stays live and unchanged
          ++failed;
          if (s.ptr != nullptr) track_alloc(s.ptr, old);
          break;
        }
        track_alloc(p, e.size);
        if constexpr (V) {
          std::uint64_t kept = old < e.size ? old : e.size;
          if (s.ptr != nullptr) {
            Slot moved{p, 0};
            if (auto why = check_block(e.id, moved, kept))
              return fail(i, "realloc did not keep contents: " + *why), out;
            vs->validator.remove_block(s.ptr);
          }
          s = Slot{p, Slot::pack(e.size, 0)};
          if (auto why = on_new_block(i, e.id, p, e.size, 1, false)) return fail(i, *why), out;
        } else {
          s = Slot{p, Slot::pack(e.size, 0)};
          touch_range<T>(p, old, e.size);
        }
        break;
      }
      case Op::kFree: {
        if (e.id == kNoObject) {
          timed(Op::kFree, [&] { a.deallocate(nullptr, 0, kNaturalAlignment); });
          break;
        }
        Slot& s = table[e.id];
        if (s.ptr == nullptr) break;  // its allocation failed: free(NULL)
        if constexpr (V) {
          if (auto why = check_block(e.id, s, s.size())) return fail(i, *why), out;
          vs->validator.remove_block(s.ptr);
        }
        track_free(s.ptr, s.size());
        timed(Op::kFree, [&] { a.deallocate(s.ptr, s.size(), s.alignment()); });
        s.ptr = nullptr;
        break;
      }
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  out.events = n;
  std::uint64_t spent = M ? ms->sampling_ns : 0;
  out.wall_ns =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) - spent;
  out.failed_allocations = failed;
  return out;
}

}  // namespace detail

// Replays every event of `trace` through `a`, using `table` (which must have
// at least trace.object_count slots, all empty). Blocks still live at the end
// stay allocated (the caller's process ends, or it resets the allocator).
// With `ms` (prepared for this trace) and not validating, the replay also
// samples memory and latency into it; validating runs measure nothing.
template <Allocator A>
ReplayOutcome replay(A& a, const TraceView& trace, ObjectTable& table, const ReplayOptions& opt,
                     ReplayMeasurement* ms = nullptr) {
  using detail::replay_loop;
  Slot* slots = table.data();
  if constexpr (!touchable<A>()) {
    return replay_loop<A, Touch::kNone, false, false>(a, trace, slots, nullptr, nullptr);
  } else {
    if (opt.validate) {
      detail::ValidationState vs;
      std::vector<std::uint64_t> seeds(table.size(), 0);
      vs.seeds = seeds.data();
      return replay_loop<A, Touch::kNone, true, false>(a, trace, slots, &vs, nullptr);
    }
    if (ms != nullptr && ms->active()) {
      switch (opt.touch) {
        case Touch::kNone: return replay_loop<A, Touch::kNone, false, true>(a, trace, slots, nullptr, ms);
        case Touch::kFirst: return replay_loop<A, Touch::kFirst, false, true>(a, trace, slots, nullptr, ms);
        case Touch::kPages: return replay_loop<A, Touch::kPages, false, true>(a, trace, slots, nullptr, ms);
        case Touch::kAll: return replay_loop<A, Touch::kAll, false, true>(a, trace, slots, nullptr, ms);
      }
    }
    switch (opt.touch) {
      case Touch::kNone: return replay_loop<A, Touch::kNone, false, false>(a, trace, slots, nullptr, nullptr);
      case Touch::kFirst: return replay_loop<A, Touch::kFirst, false, false>(a, trace, slots, nullptr, nullptr);
      case Touch::kPages: return replay_loop<A, Touch::kPages, false, false>(a, trace, slots, nullptr, nullptr);
      case Touch::kAll: return replay_loop<A, Touch::kAll, false, false>(a, trace, slots, nullptr, nullptr);
    }
    return {};
  }
}

}  // namespace heapreplay
