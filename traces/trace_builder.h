// TraceBuilder: turns a source's calls, keyed by address or by the source's own
// object id, into events on dense reusable slots. Every reader uses it, so the
// rules for odd input live in one place:
//  - free/realloc of a key never seen allocated: counted (unmatched_*); a free
//    is skipped, a realloc becomes realloc(NULL, size);
//  - an allocation whose key is still live: counted (reused_live), then the old
//    object is either leaked (malloc-lab drivers overwrite their pointer) or
//    freed first (an address can only be handed out again after a free the
//    recording missed), as the ReusePolicy says;
//  - realloc to 0 frees the object.
// Source thread ids (any 64-bit value) become dense indexes in first-seen order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "traces/key_slot_map.h"
#include "traces/trace.h"

namespace heapreplay {

enum class ReusePolicy { kLeakOld, kFreeOld };

class TraceBuilder {
 public:
  static constexpr std::uint64_t kNoTime = ~std::uint64_t{0};

  TraceBuilder(std::string format, ReusePolicy policy);

  void malloc(std::uint64_t key, std::uint64_t size, std::uint64_t thread = 0, std::uint64_t time_ns = kNoTime);
  void calloc(std::uint64_t key, std::uint64_t count, std::uint64_t size, std::uint64_t thread = 0,
              std::uint64_t time_ns = kNoTime);
  // alignment: any value (not a power of two is kept as such, for replay to refuse).
  void aligned(std::uint64_t key, std::uint64_t alignment, std::uint64_t size, AlignedKind kind,
               std::uint64_t thread = 0, std::uint64_t time_ns = kNoTime);
  // Returns false if the key was not live (counted and skipped).
  bool free(std::uint64_t key, std::uint64_t thread = 0, std::uint64_t time_ns = kNoTime);
  void free_null(std::uint64_t thread = 0, std::uint64_t time_ns = kNoTime);
  // realloc(old, size) whose result is known by new_key. old_key nullopt means
  // realloc(NULL, size). size 0 frees old (new_key is then ignored).
  void realloc(std::optional<std::uint64_t> old_key, std::uint64_t new_key, std::uint64_t size,
               std::uint64_t thread = 0, std::uint64_t time_ns = kNoTime);

  // Gives `thread` the next dense index now, if it has none yet, so that a
  // writer can fix the numbering (e.g. keep a source's thread order) before
  // the first event of each thread. Throws std::length_error past 65535.
  void declare_thread(std::uint64_t thread) { thread_index(thread); }

  // Room for this many events ahead (a reader's estimate from its input
  // size), so that long traces are not copied each time the array grows.
  void reserve(std::size_t events) { trace_.events.reserve(events); }

  bool is_live(std::uint64_t key) const { return live_.find(key) != KeySlotMap::kAbsent; }
  ImportStats& import_stats() { return trace_.import; }
  std::size_t event_count() const { return trace_.events.size(); }

  // Hands over the finished trace; the builder is left empty.
  Trace finish();

 private:
  std::uint32_t take_slot();
  std::uint16_t thread_index(std::uint64_t thread);
  void push(Op op, std::uint32_t id, std::uint64_t size, std::uint8_t aux, std::uint64_t thread, std::uint64_t time_ns);
  void begin_alloc(std::uint64_t key, std::uint64_t thread, std::uint64_t time_ns);
  void emit_alloc(Op op, std::uint64_t key, std::uint64_t size, std::uint8_t aux, std::uint64_t thread,
                  std::uint64_t time_ns);

  Trace trace_;
  ReusePolicy policy_;
  KeySlotMap live_;                        // key -> slot
  std::vector<std::uint32_t> free_slots_;  // LIFO: reuse the most recently freed slot
  std::unordered_map<std::uint64_t, std::uint16_t> threads_;
  // The thread of the previous event: most events come from the same thread
  // as the one before, so most need no lookup in threads_.
  std::uint64_t last_thread_ = 0;
  std::uint16_t last_thread_index_ = 0;
  bool have_last_thread_ = false;
  bool timed_ = false;
};

// Summary figures of a trace (what `heapreplay info` prints).
struct TraceSummary {
  std::uint64_t events = 0;
  std::uint64_t op_count[kOpCount] = {};
  std::uint64_t free_null = 0;
  std::uint64_t peak_live_bytes = 0;   // max over time of the sum of live requested sizes
  std::uint64_t final_live_bytes = 0;  // the same sum after the last event
  std::uint64_t peak_live_objects = 0;
  std::uint64_t peak_live_event = 0;  // events replayed when peak_live_bytes was first reached
  std::uint64_t max_request_bytes = 0;
};

// Walks the events once. Precondition: ids < view.object_count (as every
// builder-made or validated trace guarantees).
TraceSummary summarize(const TraceView& view);

// The same summary over a trace given a window at a time, in order. The
// state per object slot (two words) is the caller's: `scratch` holds
// 2 * object_count words, all 0 (a replay child lends its object table, so
// that summing its trace allocates nothing).
class TraceSummarizer {
 public:
  explicit TraceSummarizer(std::uint64_t* scratch) : slots_(scratch) {}
  void add(std::span<const Event> events);
  const TraceSummary& summary() const { return s_; }

 private:
  std::uint64_t& size(std::uint32_t id) { return slots_[2 * std::size_t{id}]; }
  std::uint64_t& live(std::uint32_t id) { return slots_[2 * std::size_t{id} + 1]; }
  std::uint64_t* slots_;
  TraceSummary s_;
  // Requests of absurd traces (2^63 bytes, twice) add up past 64 bits: sum
  // in 128 and report at most UINT64_MAX, never a wrapped-around figure.
  unsigned __int128 live_bytes_ = 0;
  std::uint64_t live_objects_ = 0;
};

}  // namespace heapreplay
