// Per-thread figures of a trace (see thread_summary.h).
#include "traces/thread_summary.h"

namespace heapreplay {

ThreadSummary summarize_threads(const TraceView& view) {
  ThreadSummary s;
  s.events_per_thread.assign(view.thread_count == 0 ? 1 : view.thread_count, 0);
  constexpr std::uint16_t kEmpty = 0xFFFF;  // a slot holding no block (thread indexes stop at 65534)
  std::vector<std::uint16_t> maker(view.object_count, kEmpty);
  for (const Event& e : view.events) {
    ++s.events_per_thread[e.thread];
    if (e.id == kNoObject) continue;  // free(NULL)
    std::uint16_t& m = maker[e.id];
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
  return s;
}

}  // namespace heapreplay
