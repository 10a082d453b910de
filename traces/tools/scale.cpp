// Scaling a trace (see scale.h).
#include "traces/tools/scale.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "traces/tools/source_objects.h"

namespace heapreplay {

std::uint64_t scale_size(std::uint64_t size, std::uint64_t num, std::uint64_t den) {
  unsigned __int128 v = (static_cast<unsigned __int128>(size) * num + den / 2) / den;
  if (v > ~std::uint64_t{0}) return ~std::uint64_t{0};
  return v == 0 ? 1 : static_cast<std::uint64_t>(v);
}

Trace scale_trace(const Trace& source, const ScaleOptions& options) {
  const TraceView v = source.view();
  const std::uint64_t k = std::max<std::uint32_t>(options.thread_copies, 1);
  const std::uint32_t threads = std::max<std::uint32_t>(source.thread_count, 1);
  if (threads * k > 65535)
    throw std::invalid_argument("scaling " + std::to_string(threads) + " threads by " + std::to_string(k) +
                                " gives more than 65535 threads");
  TraceBuilder b(source.format, ReusePolicy::kLeakOld);
  for (std::uint64_t t = 0; t < threads * k; ++t) b.declare_thread(t);
  // Copy j of the object the source calls `key` is key * k + j.
  SourceObjects objects(v.object_count);
  for (std::uint64_t i = 0; i < v.events.size(); ++i) {
    const Event& e = v.events[i];
    SourceStep s = objects.apply(e);
    std::uint64_t size = e.size;
    bool keep_size = (e.op == Op::kFree) || (e.op == Op::kRealloc && e.size == 0) ||
                     (e.op == Op::kCalloc && (e.aux & kCallocOverflow));
    if (!keep_size) size = scale_size(e.size, options.size_num, options.size_den);
    for (std::uint64_t j = 0; j < k; ++j) {
      SourceStep c = s;
      c.old_key = s.old_key * k + j;
      c.key = s.key * k + j;
      emit_step(b, e, c, size, e.thread * k + j, time_of(v, i));
    }
  }
  Trace out = b.finish();
  out.format = source.format;
  return out;
}

}  // namespace heapreplay
