// Android malloc debug record_allocs writer: `TID: op ARGS [START END]`, one
// line per event in the trace's order, thread t as thread id t + 1. Pointers
// are synthetic (synthetic_address), a slot keeping its own over reallocs.
// See traces/FORMAT.md, "Writing other formats".
#include <cstdio>

#include "traces/writers/trace_export.h"

namespace heapreplay {

namespace {

void put_ptr(std::string& out, std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  out += b;
}

}  // namespace

std::vector<ExportLoss> android_losses(const TraceView& view) {
  std::vector<ExportLoss> out;
  const EventCensus c = take_census(view);
  if (c.aligned_not_memalign)
    out.push_back({c.aligned_not_memalign,
                   "posix_memalign, aligned_alloc or valloc calls written as memalign (the format has no other)"});
  if (c.aligned_not_power_of_two)
    out.push_back({c.aligned_not_power_of_two, "alignments that are not a power of two written as 8"});
  if (c.calloc_overflows)
    out.push_back({c.calloc_overflows, "callocs whose count times size overflowed written as calloc(1, SIZE_MAX)"});
  return out;
}

void write_android(const TraceView& view, std::string& out) {
  std::vector<bool> live(view.object_count, false);
  const bool timed = !view.timestamps_ns.empty();
  for (std::size_t i = 0; i < view.events.size(); ++i) {
    const Event& e = view.events[i];
    out += std::to_string(e.thread + 1u) + ": ";
    const std::uint64_t ptr = e.id == kNoObject ? 0 : synthetic_address(e.id);
    switch (e.op) {
      case Op::kMalloc:
        out += "malloc ";
        put_ptr(out, ptr);
        out += ' ' + std::to_string(e.size);
        break;
      case Op::kCalloc:
        out += "calloc ";
        put_ptr(out, ptr);
        out += " 1 " + std::to_string(e.size);
        break;
      case Op::kAligned:
        out += "memalign ";
        put_ptr(out, ptr);
        out += ' ' + std::to_string(e.alignment_valid() ? e.alignment() : 8) + ' ' + std::to_string(e.size);
        break;
      case Op::kRealloc:
        // realloc(OLD, 0) frees OLD and returns NULL; realloc(NULL, n) has OLD 0.
        out += "realloc ";
        put_ptr(out, e.size == 0 ? 0 : ptr);
        out += ' ';
        put_ptr(out, live[e.id] ? ptr : 0);
        out += ' ' + std::to_string(e.size);
        break;
      case Op::kFree:
        out += "free ";
        put_ptr(out, ptr);
        break;
    }
    if (e.id != kNoObject) live[e.id] = e.op != Op::kFree && !(e.op == Op::kRealloc && e.size == 0);
    if (timed) out += ' ' + std::to_string(view.timestamps_ns[i]) + ' ' + std::to_string(view.timestamps_ns[i]);
    out += '\n';
  }
}

}  // namespace heapreplay
