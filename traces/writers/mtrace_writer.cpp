// glibc mtrace() log writer: `= Start`, one record per event in the shapes
// glibc's malloc/mtrace.c prints, `= End`. The log is keyed by address and a
// trace has none, so each slot is given one (synthetic_address). See
// traces/FORMAT.md, "Writing other formats".
#include <cstdio>

#include "traces/writers/trace_export.h"

namespace heapreplay {

namespace {

void put_hex(std::string& out, std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  out += b;
}

}  // namespace

std::vector<ExportLoss> mtrace_losses(const TraceView& view) {
  std::vector<ExportLoss> out;
  const EventCensus c = take_census(view);
  if (view.thread_count > 1)
    out.push_back({view.thread_count, "threads written as one sequence in the trace's order (mtrace has none)"});
  if (!view.timestamps_ns.empty()) out.push_back({view.events.size(), "events' timestamps dropped"});
  if (c.callocs) out.push_back({c.callocs, "callocs written as malloc (mtrace logs both as '+')"});
  if (c.aligned) out.push_back({c.aligned, "aligned allocations written as malloc: their alignment is lost"});
  if (c.reallocs_to_zero)
    out.push_back({c.reallocs_to_zero, "reallocs to 0 bytes written as free, as glibc logs them"});
  return out;
}

void write_mtrace(const TraceView& view, std::string& out) {
  std::vector<bool> live(view.object_count, false);
  out += "= Start\n";
  for (const Event& e : view.events) {
    switch (e.op) {
      case Op::kMalloc:
      case Op::kCalloc:
      case Op::kAligned:
        out += "@ [0x0] + ";
        put_hex(out, synthetic_address(e.id));
        out += ' ';
        put_hex(out, e.size);
        live[e.id] = true;
        break;
      case Op::kRealloc:
        if (e.size == 0) {
          out += "@ [0x0] - ";
          put_hex(out, synthetic_address(e.id));
          live[e.id] = false;
          break;
        }
        out += "@ [0x0] < ";
        if (live[e.id])
          put_hex(out, synthetic_address(e.id));
        else
          out += "(nil)";
        out += "\n@ [0x0] > ";
        put_hex(out, synthetic_address(e.id));
        out += ' ';
        put_hex(out, e.size);
        live[e.id] = true;
        break;
      case Op::kFree:
        out += "@ [0x0] - ";
        if (e.id == kNoObject) {
          out += "(nil)";
        } else {
          put_hex(out, synthetic_address(e.id));
          live[e.id] = false;
        }
        break;
    }
    out += '\n';
  }
  out += "= End\n";
}

}  // namespace heapreplay
