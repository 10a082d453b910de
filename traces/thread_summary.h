// Per-thread figures of a trace (what `heapreplay info` prints about
// threads): events per thread and the frees a thread makes of blocks that
// another thread made, which a multi-threaded replay must order across
// threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

struct ThreadSummary {
  std::vector<std::uint64_t> events_per_thread;  // indexed by thread; thread_count entries
  // A block is made by malloc, calloc, an aligned call or a realloc with a
  // size (which ends the block it resizes and makes a new one), on the thread
  // of that event.
  std::uint64_t frees = 0;                  // free of a live block, or realloc of one to 0 bytes
  std::uint64_t cross_thread_frees = 0;     // ... made by a thread other than the block's
  std::uint64_t cross_thread_reallocs = 0;  // realloc with a size of a block another thread made
};

// Walks the events once. Precondition: ids < view.object_count and threads <
// view.thread_count (as every builder-made or validated trace guarantees).
ThreadSummary summarize_threads(const TraceView& view);

// The same over a trace given a window at a time, in order (2 bytes of
// state per object slot).
class ThreadSummarizer {
 public:
  ThreadSummarizer(std::uint32_t object_count, std::uint32_t thread_count);
  void add(std::span<const Event> events);
  const ThreadSummary& summary() const { return s_; }

 private:
  static constexpr std::uint16_t kEmpty = 0xFFFF;  // a slot holding no block (thread indexes stop at 65534)
  std::vector<std::uint16_t> maker_;               // per slot: the thread that made its block
  ThreadSummary s_;
};

}  // namespace heapreplay
