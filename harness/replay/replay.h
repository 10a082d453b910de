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
#include "harness/replay/object_table.h"
#include "harness/replay/validator.h"
#include "traces/trace.h"

namespace heapreplay {

// What the replay writes into each block it is given, as a program would.
enum class Touch : std::uint8_t {
  kNone,   // nothing: measures the allocator's bookkeeping alone
  kFirst,  // the first byte
  kPages,  // one byte per 4 KiB of the block (default): every page gets faulted in
  kAll,    // every byte
};
const char* touch_name(Touch t);
std::optional<Touch> touch_from_name(std::string_view name);

struct ReplayOptions {
  Touch touch = Touch::kPages;
  bool validate = false;  // pattern, alignment, usable-size and overlap checks (slow)
};

struct ReplayOutcome {
  std::uint64_t events = 0;              // events replayed (all of them unless violated)
  std::uint64_t wall_ns = 0;             // the replay loop only
  std::uint64_t failed_allocations = 0;  // allocations that returned nullptr (counted, not fatal)
  bool violated = false;                 // a --validate check failed; the replay stopped there
  std::uint64_t violation_event = 0;     // index of the event that exposed it
  std::string violation;                 // what was wrong
};

// Alignment asked for plain malloc/calloc/realloc events: "whatever the
// allocator's malloc guarantees" (a design's native alignment, or the system
// malloc's). Aligned events ask for their recorded alignment.
inline constexpr std::size_t kNaturalAlignment = 1;

namespace detail {

template <class A>
constexpr bool touchable() {
  if constexpr (requires { A::kTouchable; })
    return A::kTouchable;
  else
    return true;
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

inline std::uint64_t seed_for(std::uint64_t event_index) { return event_index * 0xD1B54A32D192ED03ull + 1; }

// The replay state for validation; empty (and unused) when not validating.
struct ValidationState {
  Validator validator;
  std::uint64_t* seeds = nullptr;  // per slot: seed of the block's pattern
};

template <class A, Touch T, bool V>
ReplayOutcome replay_loop(A& a, const TraceView& trace, Slot* table, ValidationState* vs) {
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

  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const Event& e = ev[i];
    switch (e.op) {
      case Op::kMalloc: {
        void* p = a.allocate(e.size, kNaturalAlignment);
        table[e.id] = Slot{p, Slot::pack(e.size, 0)};
        if (p == nullptr) {
          ++failed;
          break;
        }
        if constexpr (V) {
          if (auto why = on_new_block(i, e.id, p, e.size, 1, false)) return fail(i, *why), out;
        } else {
          touch_range<T>(p, 0, e.size);
        }
        break;
      }
      case Op::kCalloc: {
        void* p;
        if constexpr (requires { a.allocate_zeroed(e.size); }) {
          p = a.allocate_zeroed(e.size);
        } else {
          p = a.allocate(e.size, kNaturalAlignment);
          if constexpr (touchable<A>())
            if (p != nullptr) std::memset(p, 0, e.size);
        }
        table[e.id] = Slot{p, Slot::pack(e.size, 0)};
        if (p == nullptr) {
          ++failed;
          break;
        }
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
        if constexpr (requires { a.allocate_aligned(e.size, align, e.aligned_kind()); })
          p = a.allocate_aligned(e.size, align, e.aligned_kind());
        else
          p = a.allocate(e.size, align);
        table[e.id] = Slot{p, Slot::pack(e.size, e.aux & 0x3f)};
        if (p == nullptr) {
          ++failed;
          break;
        }
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
            a.deallocate(s.ptr, s.size(), s.alignment());
            s.ptr = nullptr;
          }
          break;
        }
        std::uint64_t old = s.ptr != nullptr ? s.size() : 0;
        if constexpr (V) {
          if (s.ptr != nullptr)
            if (auto why = check_block(e.id, s, old)) return fail(i, *why), out;
        }
        void* p = s.ptr != nullptr ? a.reallocate(s.ptr, old, e.size, s.alignment())
                                   : a.allocate(e.size, kNaturalAlignment);
        if (p == nullptr) {  // the old block stays live and unchanged
          ++failed;
          break;
        }
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
          a.deallocate(nullptr, 0, kNaturalAlignment);
          break;
        }
        Slot& s = table[e.id];
        if (s.ptr == nullptr) break;  // its allocation failed: free(NULL)
        if constexpr (V) {
          if (auto why = check_block(e.id, s, s.size())) return fail(i, *why), out;
          vs->validator.remove_block(s.ptr);
        }
        a.deallocate(s.ptr, s.size(), s.alignment());
        s.ptr = nullptr;
        break;
      }
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  out.events = n;
  out.wall_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  out.failed_allocations = failed;
  return out;
}

}  // namespace detail

// Replays every event of `trace` through `a`, using `table` (which must have
// at least trace.object_count slots, all empty). Blocks still live at the end
// stay allocated (the caller's process ends, or it resets the allocator).
template <Allocator A>
ReplayOutcome replay(A& a, const TraceView& trace, ObjectTable& table, const ReplayOptions& opt) {
  Slot* slots = table.data();
  if constexpr (!detail::touchable<A>()) {
    return detail::replay_loop<A, Touch::kNone, false>(a, trace, slots, nullptr);
  } else {
    if (opt.validate) {
      detail::ValidationState vs;
      std::vector<std::uint64_t> seeds(table.size(), 0);
      vs.seeds = seeds.data();
      return detail::replay_loop<A, Touch::kNone, true>(a, trace, slots, &vs);
    }
    switch (opt.touch) {
      case Touch::kNone: return detail::replay_loop<A, Touch::kNone, false>(a, trace, slots, nullptr);
      case Touch::kFirst: return detail::replay_loop<A, Touch::kFirst, false>(a, trace, slots, nullptr);
      case Touch::kPages: return detail::replay_loop<A, Touch::kPages, false>(a, trace, slots, nullptr);
      case Touch::kAll: return detail::replay_loop<A, Touch::kAll, false>(a, trace, slots, nullptr);
    }
    return {};
  }
}

}  // namespace heapreplay
