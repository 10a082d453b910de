// The blocks of a trace, as an allocator sees them: a block is made by
// malloc, calloc, an aligned allocation, or a realloc with a size (which ends
// the block it resizes and makes a new one), and ended by free, by a realloc
// of it, or not at all (live at the end). Statistics (lifetimes, cross-thread
// frees) and the fit generator are built on this one walk.
#pragma once

#include <cstdint>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

enum class BlockEnd : std::uint8_t {
  kFree,         // free(block)
  kRealloc,      // realloc(block, size > 0): a new block follows on the same object
  kReallocZero,  // realloc(block, 0), which frees it
  kLive,         // still live after the last event (or leaked: its slot was allocated again)
};

struct BlockRecord {
  std::uint64_t begin_event = 0;     // index of the event that made it
  std::uint64_t end_event = 0;       // index of the event that ended it (kLive: the event count)
  std::uint64_t size = 0;            // requested bytes (0 for an overflowing calloc)
  std::uint64_t bytes_before = 0;    // bytes requested by all events before begin_event
  std::uint64_t lifetime_bytes = 0;  // bytes requested by events after begin_event, before end_event
  std::uint32_t id = 0;              // the slot (object) it lives in
  std::uint16_t thread = 0;          // thread of begin_event
  std::uint16_t end_thread = 0;      // thread of end_event (kLive: = thread)
  Op op = Op::kMalloc;               // op of begin_event
  std::uint8_t aux = 0;              // aux of begin_event
  bool realloc_of_live = false;      // op is kRealloc on a live block (not realloc(NULL))
  BlockEnd end = BlockEnd::kLive;

  std::uint64_t lifetime_events() const { return end_event - begin_event; }
};

// Calls on_block(const BlockRecord&) once per block, when it ends (blocks
// live at the end last, in slot order). Precondition: ids < view.object_count.
template <class F>
void for_each_block(const TraceView& view, F&& on_block) {
  std::vector<BlockRecord> open(view.object_count);
  std::vector<bool> is_open(view.object_count, false);
  std::uint64_t bytes = 0;
  const std::uint64_t n = view.events.size();
  for (std::uint64_t i = 0; i < n; ++i) {
    const Event& e = view.events[i];
    if (e.id == kNoObject) continue;  // free(NULL)
    bool was_open = is_open[e.id];
    if (was_open) {
      BlockRecord& b = open[e.id];
      b.end_event = i;
      b.end_thread = e.thread;
      b.lifetime_bytes = bytes - b.bytes_before - b.size;
      b.end = e.op == Op::kFree      ? BlockEnd::kFree
              : e.op != Op::kRealloc ? BlockEnd::kLive  // allocated again over it: leaked
              : e.size == 0          ? BlockEnd::kReallocZero
                                     : BlockEnd::kRealloc;
      if (b.end == BlockEnd::kLive) {
        b.end_event = n;
        b.end_thread = b.thread;
      }
      on_block(static_cast<const BlockRecord&>(b));
      is_open[e.id] = false;
    }
    if (e.op == Op::kFree || (e.op == Op::kRealloc && e.size == 0)) continue;
    std::uint64_t size = (e.op == Op::kCalloc && (e.aux & kCallocOverflow)) ? 0 : e.size;
    BlockRecord& b = open[e.id];
    b = BlockRecord{};
    b.begin_event = i;
    b.id = e.id;
    b.size = size;
    b.bytes_before = bytes;
    b.thread = e.thread;
    b.op = e.op;
    b.aux = e.aux;
    b.realloc_of_live = e.op == Op::kRealloc && was_open;
    is_open[e.id] = true;
    bytes += size;
  }
  for (std::uint32_t id = 0; id < view.object_count; ++id) {
    if (!is_open[id]) continue;
    BlockRecord& b = open[id];
    b.end_event = n;
    b.end_thread = b.thread;
    b.lifetime_bytes = bytes - b.bytes_before - b.size;
    b.end = BlockEnd::kLive;
    on_block(static_cast<const BlockRecord&>(b));
  }
}

}  // namespace heapreplay
