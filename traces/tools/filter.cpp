// Filtering a trace (see filter.h).
#include "traces/tools/filter.h"

#include <algorithm>

#include "traces/tools/source_objects.h"

namespace heapreplay {

Trace filter_trace(const Trace& source, const FilterOptions& options) {
  const TraceView v = source.view();
  const std::uint32_t threads = std::max<std::uint32_t>(source.thread_count, 1);
  std::vector<bool> thread_ok(threads, options.threads.empty());
  for (std::uint32_t t : options.threads)
    if (t < threads) thread_ok[t] = true;
  auto op_ok = [&](Op op) { return (options.op_mask >> static_cast<unsigned>(op)) & 1u; };

  TraceBuilder b(source.format, ReusePolicy::kLeakOld);
  for (std::uint32_t t = 0; t < threads; ++t) b.declare_thread(t);
  SourceObjects objects(v.object_count);
  std::vector<bool> kept(v.object_count, false);
  for (std::uint64_t i = 0; i < v.events.size(); ++i) {
    const Event& e = v.events[i];
    bool was_kept = e.id != kNoObject && kept[e.id];
    SourceStep s = objects.apply(e);
    std::uint64_t t = time_of(v, i);
    if (s.null) {
      if (thread_ok[e.thread] && op_ok(Op::kFree)) b.free_null(e.thread, t);
      continue;
    }
    if (s.born) {
      kept[e.id] = thread_ok[e.thread] && e.size >= options.min_size && e.size <= options.max_size && op_ok(e.op);
      if (kept[e.id]) emit_birth(b, e, s.key, e.size, e.thread, t);
      continue;
    }
    if (!was_kept || !op_ok(e.op)) continue;
    emit_step(b, e, s, e.size, e.thread, t);
  }
  Trace out = b.finish();
  out.format = source.format;
  return out;
}

}  // namespace heapreplay
