// CS:APP malloc-lab .rep writer: the classic header (suggested heap size,
// num_ids, num_ops, weight 1) and one `a`, `r` or `f` op per event, the slot
// id as the op's id. See traces/FORMAT.md, "Writing other formats".
#include <algorithm>

#include "traces/writers/trace_export.h"

namespace heapreplay {

std::vector<ExportLoss> rep_losses(const TraceView& view) {
  std::vector<ExportLoss> out;
  const EventCensus c = take_census(view);
  if (view.thread_count > 1)
    out.push_back({view.thread_count, "threads written as one sequence in the trace's order (a rep trace has one)"});
  if (!view.timestamps_ns.empty()) out.push_back({view.events.size(), "events' timestamps dropped"});
  if (c.callocs) out.push_back({c.callocs, "callocs written as malloc (a rep op cannot ask for zeroed memory)"});
  if (c.aligned) out.push_back({c.aligned, "aligned allocations written as malloc: their alignment is lost"});
  return out;
}

void write_rep(const TraceView& view, std::string& out) {
  // Line 1 of the classic header is a suggested heap size that the drivers
  // do not use; above 3 it also tells the header from a CMU one. The trace's
  // peak live bytes are the honest suggestion.
  std::vector<std::uint64_t> size(view.object_count, 0);
  std::uint64_t live = 0, peak = 0;
  std::string ops;
  auto put = [&ops](char op, std::uint32_t id, std::uint64_t bytes) {
    ops += op;
    ops += ' ';
    ops += std::to_string(id);
    if (op != 'f') {
      ops += ' ';
      ops += std::to_string(bytes);
    }
    ops += '\n';
  };
  for (const Event& e : view.events) {
    switch (e.op) {
      case Op::kMalloc:
      case Op::kCalloc:
      case Op::kAligned: put('a', e.id, e.size); break;
      case Op::kRealloc: put('r', e.id, e.size); break;
      case Op::kFree:
        if (e.id == kNoObject) {
          ops += "f -1\n";
          continue;
        }
        put('f', e.id, 0);
        break;
    }
    live -= size[e.id];
    size[e.id] = e.op == Op::kFree ? 0 : e.size;
    live += size[e.id];
    peak = std::max(peak, live);
  }
  out += std::to_string(std::max<std::uint64_t>(peak, 4)) + "\n" + std::to_string(view.object_count) + "\n" +
         std::to_string(view.events.size()) + "\n1\n";
  out += ops;
}

}  // namespace heapreplay
