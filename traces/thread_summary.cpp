// Per-thread figures of a trace (see thread_summary.h).
#include "traces/thread_summary.h"

namespace heapreplay {

ThreadSummarizer::ThreadSummarizer(std::uint32_t object_count, std::uint32_t thread_count)
    : maker_(object_count, kEmpty) {
  s_.events_per_thread.assign(thread_count == 0 ? 1 : thread_count, 0);
}

void ThreadSummarizer::add(std::span<const Event> events) {
  ThreadSummary& s = s_;
  for (const Event& e : events) {
    ++s.events_per_thread[e.thread];
    if (e.id == kNoObject) continue;  // free(NULL)
    std::uint16_t& m = maker_[e.id];
    switch (e.op) {
      case Op::kMalloc:
      case Op::kCalloc:
      case Op::kAligned: m = e.thread; break;
      case Op::kRealloc:
        if (e.size == 0) {
          if (m != kEmpty) {
            ++s.frees;
            if (m != e.thread) ++s.cross_thread_frees;
          }
          m = kEmpty;
        } else {
          if (m != kEmpty && m != e.thread) ++s.cross_thread_reallocs;
          m = e.thread;
        }
        break;
      case Op::kFree:
        if (m != kEmpty) {
          ++s.frees;
          if (m != e.thread) ++s.cross_thread_frees;
        }
        m = kEmpty;
        break;
    }
  }
}

ThreadSummary summarize_threads(const TraceView& view) {
  ThreadSummarizer sum(view.object_count, view.thread_count);
  sum.add(view.events);
  return sum.summary();
}

}  // namespace heapreplay
