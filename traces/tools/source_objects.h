// Helpers shared by the trace transforms (slice, filter, scale, merge): they
// walk a source trace, name each of its objects by a key of their own (slot
// ids are reused, keys are not), and re-emit the events they keep through a
// TraceBuilder, so that the result obeys the same rules as any import.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "traces/trace.h"
#include "traces/trace_builder.h"

namespace heapreplay {

// What one source event does to the object in its slot.
struct SourceStep {
  bool null = false;          // free(NULL): no object
  bool had = false;           // the slot held a live object before the event
  bool born = false;          // the event made a new object (malloc, calloc, aligned, realloc of an empty slot)
  bool ended = false;         // the event ended the old object (free, realloc to 0, or an allocation over it)
  std::uint64_t old_key = 0;  // the old object's key (when had)
  std::uint64_t key = 0;      // the object's key after the event (when born or realloc'ed)
};

class SourceObjects {
 public:
  // Keys start at first_key and go up; several sources can share a key space.
  explicit SourceObjects(std::uint32_t object_count, std::uint64_t first_key = 1)
      : key_(object_count, 0), live_(object_count, false), next_key_(first_key) {}

  SourceStep apply(const Event& e) {
    SourceStep s;
    if (e.id == kNoObject) {
      s.null = true;
      return s;
    }
    s.had = live_[e.id];
    s.old_key = key_[e.id];
    bool frees = e.op == Op::kFree || (e.op == Op::kRealloc && e.size == 0);
    if (frees) {
      s.ended = s.had;
      live_[e.id] = false;
      return s;
    }
    if (e.op == Op::kRealloc && s.had) {
      s.key = s.old_key;
      return s;
    }
    s.ended = s.had;  // an allocation over a live object leaks it
    s.born = true;
    s.key = key_[e.id] = next_key_++;
    live_[e.id] = true;
    return s;
  }
  bool live(std::uint32_t id) const { return live_[id]; }
  std::uint64_t key(std::uint32_t id) const { return key_[id]; }
  std::uint64_t next_key() const { return next_key_; }

 private:
  std::vector<std::uint64_t> key_;
  std::vector<bool> live_;
  std::uint64_t next_key_;
};

// Emits the allocation `e` makes (malloc, calloc, aligned, realloc(NULL))
// for a new object `key`, with `size` in place of e.size.
inline void emit_birth(TraceBuilder& b, const Event& e, std::uint64_t key, std::uint64_t size, std::uint64_t thread,
                       std::uint64_t time_ns) {
  switch (e.op) {
    case Op::kCalloc:
      if (e.aux & kCallocOverflow)
        b.calloc(key, 2, ~std::uint64_t{0}, thread, time_ns);  // overflows again: same flag, same size
      else
        b.calloc(key, 1, size, thread, time_ns);
      break;
    case Op::kAligned:
      // 3 stands for any alignment that is not a power of two.
      b.aligned(key, e.alignment_valid() ? e.alignment() : 3, size, e.aligned_kind(), thread, time_ns);
      break;
    case Op::kRealloc: b.realloc(std::nullopt, key, size, thread, time_ns); break;
    default: b.malloc(key, size, thread, time_ns); break;
  }
}

// Emits event `e` as the step it took in the source (`s`), with `size` for
// its size, when every object it touches is in the output.
inline void emit_step(TraceBuilder& b, const Event& e, const SourceStep& s, std::uint64_t size, std::uint64_t thread,
                      std::uint64_t time_ns) {
  if (s.null) {
    b.free_null(thread, time_ns);
  } else if (e.op == Op::kFree) {
    b.free(s.old_key, thread, time_ns);
  } else if (e.op == Op::kRealloc && s.had) {
    b.realloc(s.old_key, s.key, e.size == 0 ? 0 : size, thread, time_ns);
  } else if (s.born) {
    emit_birth(b, e, s.key, size, thread, time_ns);
  }
}

inline std::uint64_t time_of(const TraceView& v, std::uint64_t i) {
  return v.timestamps_ns.empty() ? TraceBuilder::kNoTime : v.timestamps_ns[i];
}

}  // namespace heapreplay
