// Dense-slot trace construction and the one-pass trace summary.
#include "traces/trace_builder.h"

#include <bit>
#include <stdexcept>

namespace heapreplay {

const char* op_name(Op op) {
  switch (op) {
    case Op::kMalloc: return "malloc";
    case Op::kCalloc: return "calloc";
    case Op::kRealloc: return "realloc";
    case Op::kFree: return "free";
    case Op::kAligned: return "aligned";
  }
  return "?";
}

TraceBuilder::TraceBuilder(std::string format, ReusePolicy policy) : policy_(policy) {
  trace_.format = std::move(format);
}

std::uint32_t TraceBuilder::take_slot() {
  if (!free_slots_.empty()) {
    std::uint32_t s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  if (trace_.object_count == kNoObject) throw std::length_error("more than 2^32-1 live objects");
  return trace_.object_count++;
}

std::uint16_t TraceBuilder::thread_index(std::uint64_t thread) {
  if (have_last_thread_ && thread == last_thread_) return last_thread_index_;
  auto [it, fresh] = threads_.try_emplace(thread, static_cast<std::uint16_t>(threads_.size()));
  if (fresh && threads_.size() > 0xFFFF) {
    threads_.erase(it);
    throw std::length_error("more than 65535 threads");
  }
  last_thread_ = thread;
  last_thread_index_ = it->second;
  have_last_thread_ = true;
  return it->second;
}

void TraceBuilder::push(Op op, std::uint32_t id, std::uint64_t size, std::uint8_t aux, std::uint64_t thread,
                        std::uint64_t time_ns) {
  if (trace_.events.empty()) timed_ = time_ns != kNoTime;
  trace_.events.push_back(Event{size, id, thread_index(thread), op, aux});
  if (timed_) trace_.timestamps_ns.push_back(time_ns == kNoTime ? 0 : time_ns);
}

void TraceBuilder::begin_alloc(std::uint64_t key, std::uint64_t thread, std::uint64_t time_ns) {
  std::uint32_t old = live_.take(key);  // kLeakOld: the old slot is never freed nor reused
  if (old == KeySlotMap::kAbsent) return;
  ++trace_.import.reused_live;
  if (policy_ == ReusePolicy::kFreeOld) {
    push(Op::kFree, old, 0, 0, thread, time_ns);
    free_slots_.push_back(old);
  }
}

void TraceBuilder::emit_alloc(Op op, std::uint64_t key, std::uint64_t size, std::uint8_t aux, std::uint64_t thread,
                              std::uint64_t time_ns) {
  begin_alloc(key, thread, time_ns);
  std::uint32_t slot = take_slot();
  live_.insert(key, slot);
  push(op, slot, size, aux, thread, time_ns);
}

void TraceBuilder::malloc(std::uint64_t key, std::uint64_t size, std::uint64_t thread, std::uint64_t time_ns) {
  emit_alloc(Op::kMalloc, key, size, 0, thread, time_ns);
}

void TraceBuilder::calloc(std::uint64_t key, std::uint64_t count, std::uint64_t size, std::uint64_t thread,
                          std::uint64_t time_ns) {
  std::uint64_t total = 0;
  std::uint8_t aux = 0;
  if (__builtin_mul_overflow(count, size, &total)) {
    total = ~std::uint64_t{0};
    aux = kCallocOverflow;
  }
  emit_alloc(Op::kCalloc, key, total, aux, thread, time_ns);
}

void TraceBuilder::aligned(std::uint64_t key, std::uint64_t alignment, std::uint64_t size, AlignedKind kind,
                           std::uint64_t thread, std::uint64_t time_ns) {
  unsigned log2 = kAlignNotPowerOfTwo;
  if (alignment != 0 && std::has_single_bit(alignment) && std::countr_zero(alignment) < kAlignNotPowerOfTwo)
    log2 = static_cast<unsigned>(std::countr_zero(alignment));
  emit_alloc(Op::kAligned, key, size, Event::aligned_aux(log2, kind), thread, time_ns);
}

bool TraceBuilder::free(std::uint64_t key, std::uint64_t thread, std::uint64_t time_ns) {
  std::uint32_t slot = live_.take(key);
  if (slot == KeySlotMap::kAbsent) {
    ++trace_.import.unmatched_free;
    return false;
  }
  push(Op::kFree, slot, 0, 0, thread, time_ns);
  free_slots_.push_back(slot);
  return true;
}

void TraceBuilder::free_null(std::uint64_t thread, std::uint64_t time_ns) {
  push(Op::kFree, kNoObject, 0, 0, thread, time_ns);
}

void TraceBuilder::realloc(std::optional<std::uint64_t> old_key, std::uint64_t new_key, std::uint64_t size,
                           std::uint64_t thread, std::uint64_t time_ns) {
  std::optional<std::uint32_t> slot;
  if (old_key) {
    std::uint32_t s = live_.take(*old_key);
    if (s == KeySlotMap::kAbsent)
      ++trace_.import.unmatched_realloc;
    else
      slot = s;
  }
  if (size == 0) {
    if (slot) {
      push(Op::kRealloc, *slot, 0, 0, thread, time_ns);
      free_slots_.push_back(*slot);
    } else {
      // realloc(NULL, 0) allocates nothing that the trace needs to follow.
      push(Op::kFree, kNoObject, 0, 0, thread, time_ns);
    }
    return;
  }
  begin_alloc(new_key, thread, time_ns);
  if (!slot) slot = take_slot();  // realloc(NULL, size) on an empty slot
  live_.insert(new_key, *slot);
  push(Op::kRealloc, *slot, size, 0, thread, time_ns);
}

Trace TraceBuilder::finish() {
  trace_.thread_count = static_cast<std::uint32_t>(threads_.empty() ? 1 : threads_.size());
  Trace out = std::move(trace_);
  trace_ = Trace{};
  live_.clear();
  free_slots_.clear();
  threads_.clear();
  have_last_thread_ = false;
  return out;
}

namespace {

std::uint64_t clamped(unsigned __int128 v) { return v > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(v); }

}  // namespace

void TraceSummarizer::add(std::span<const Event> events) {
  TraceSummary& s = s_;
  for (const Event& e : events) {
    ++s.events;
    s.op_count[static_cast<int>(e.op)]++;
    if (e.op == Op::kFree) {
      if (e.id == kNoObject) {
        ++s.free_null;
        continue;
      }
      if (live(e.id)) {
        live_bytes_ -= size(e.id);
        --live_objects_;
        live(e.id) = 0;
      }
      continue;
    }
    if (e.id == kNoObject) continue;
    if (e.op != Op::kRealloc || e.size != 0) s.max_request_bytes = std::max(s.max_request_bytes, e.size);
    if (live(e.id)) {
      live_bytes_ -= size(e.id);
      --live_objects_;
      live(e.id) = 0;
    }
    if (e.op == Op::kRealloc && e.size == 0) continue;  // realloc to 0 frees
    // A calloc that overflowed asks for nothing that can exist.
    std::uint64_t bytes = (e.op == Op::kCalloc && (e.aux & kCallocOverflow)) ? 0 : e.size;
    size(e.id) = bytes;
    live(e.id) = 1;
    live_bytes_ += bytes;
    ++live_objects_;
    if (clamped(live_bytes_) > s.peak_live_bytes) {
      s.peak_live_bytes = clamped(live_bytes_);
      s.peak_live_event = s.events;
    }
    s.peak_live_objects = std::max(s.peak_live_objects, live_objects_);
  }
  s.final_live_bytes = clamped(live_bytes_);
}

TraceSummary summarize(const TraceView& view) {
  std::vector<std::uint64_t> scratch(2 * std::size_t{view.object_count}, 0);
  TraceSummarizer sum(scratch.data());
  sum.add(view.events);
  return sum.summary();
}

}  // namespace heapreplay
