// Merging traces (see merge.h).
#include "traces/tools/merge.h"

#include <algorithm>
#include <stdexcept>

#include "traces/tools/source_objects.h"

namespace heapreplay {

Trace merge_traces(const std::vector<const Trace*>& traces, MergeOrder order) {
  if (traces.empty()) throw std::invalid_argument("nothing to merge");
  bool all_timed = true;
  for (const Trace* t : traces) all_timed = all_timed && (t->events.empty() || !t->timestamps_ns.empty());
  if (order == MergeOrder::kAuto) order = all_timed ? MergeOrder::kTime : MergeOrder::kProportional;
  if (order == MergeOrder::kTime && !all_timed)
    throw std::invalid_argument("merging by time needs timestamps in every trace");

  TraceBuilder b("merged", ReusePolicy::kLeakOld);
  std::vector<std::uint64_t> offset;
  std::uint64_t threads = 0;
  for (const Trace* t : traces) {
    offset.push_back(threads);
    threads += std::max<std::uint32_t>(t->thread_count, 1);
  }
  if (threads > 65535) throw std::invalid_argument("the merged trace would have more than 65535 threads");
  for (std::uint64_t t = 0; t < threads; ++t) b.declare_thread(t);

  std::vector<SourceObjects> objects;
  for (std::size_t k = 0; k < traces.size(); ++k) {
    // Disjoint key ranges: trace k's keys start at k * 2^40.
    objects.emplace_back(traces[k]->object_count, (static_cast<std::uint64_t>(k) << 40) + 1);
  }
  std::vector<std::uint64_t> next(traces.size(), 0);
  auto emit = [&](std::size_t k) {
    const Trace& t = *traces[k];
    std::uint64_t i = next[k]++;
    const Event& e = t.events[i];
    std::uint64_t time = order == MergeOrder::kTime ? t.timestamps_ns[i] : TraceBuilder::kNoTime;
    emit_step(b, e, objects[k].apply(e), e.size, offset[k] + e.thread, time);
  };
  // Whether trace a's next event goes before trace c's (a < c as indexes).
  auto before = [&](std::size_t a, std::size_t c) {
    if (order == MergeOrder::kTime) return traces[a]->timestamps_ns[next[a]] <= traces[c]->timestamps_ns[next[c]];
    // (2 i_a + 1) / n_a <= (2 i_c + 1) / n_c, exactly.
    auto lhs = static_cast<unsigned __int128>(2 * next[a] + 1) * traces[c]->events.size();
    auto rhs = static_cast<unsigned __int128>(2 * next[c] + 1) * traces[a]->events.size();
    return lhs <= rhs;
  };
  if (order == MergeOrder::kConcat) {
    for (std::size_t k = 0; k < traces.size(); ++k)
      while (next[k] < traces[k]->events.size()) emit(k);
  } else {
    for (;;) {
      std::size_t pick = traces.size();
      for (std::size_t k = 0; k < traces.size(); ++k) {
        if (next[k] >= traces[k]->events.size()) continue;
        if (pick == traces.size() || !before(pick, k)) pick = k;
      }
      if (pick == traces.size()) break;
      emit(pick);
    }
  }
  return b.finish();
}

}  // namespace heapreplay
