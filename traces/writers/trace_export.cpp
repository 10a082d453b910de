// The table of trace exports (trace_export.h) and what the writers share.
#include "traces/writers/trace_export.h"

#include "traces/readers/text_writer.h"

namespace heapreplay {

namespace {

// The text format holds every event, thread and timestamp.
void write_text_export(const TraceView& view, std::string& out) { write_text(view, out); }

constexpr TraceExport kExports[] = {
    {"rep", "CS:APP malloc-lab trace, as mdriver reads it (classic header; one thread, no alignment, no times)",
     rep_losses, write_rep},
    {"text", "heapreplay's text format: every event, thread and timestamp", text_losses, write_text_export},
    {"android", "Android malloc debug record_allocs, as memory_replay reads it (threads and times kept)",
     android_losses, write_android},
    {"mtrace", "glibc mtrace() log, as the mtrace script reads it (one thread, no alignment, no times)", mtrace_losses,
     write_mtrace},
};

}  // namespace

std::vector<ExportLoss> text_losses(const TraceView&) { return {}; }

std::span<const TraceExport> trace_exports() { return kExports; }

const TraceExport* find_trace_export(std::string_view name) {
  for (const TraceExport& e : kExports)
    if (name == e.name) return &e;
  return nullptr;
}

std::string trace_export_names() {
  std::string s;
  for (const TraceExport& e : kExports) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

std::string describe_losses(const std::vector<ExportLoss>& losses) {
  std::string s;
  for (const ExportLoss& l : losses) s += (s.empty() ? "" : "; ") + std::to_string(l.count) + " " + l.what;
  return s;
}

EventCensus take_census(const TraceView& view) {
  EventCensus c;
  for (const Event& e : view.events) {
    switch (e.op) {
      case Op::kCalloc:
        ++c.callocs;
        c.calloc_overflows += (e.aux & kCallocOverflow) != 0;
        break;
      case Op::kAligned:
        ++c.aligned;
        c.aligned_not_memalign += e.aligned_kind() != AlignedKind::kMemalign;
        c.aligned_not_power_of_two += !e.alignment_valid();
        break;
      case Op::kRealloc: c.reallocs_to_zero += e.size == 0; break;
      case Op::kFree: c.frees_of_null += e.id == kNoObject; break;
      case Op::kMalloc: break;
    }
  }
  return c;
}

}  // namespace heapreplay
