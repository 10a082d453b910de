// Writing a trace in another tool's format: the table of exports that
// `heapreplay convert --to NAME` offers (our own .hrt is written by
// traces/hrt_format.h). Each export says, before anything is written, what
// of a given trace its format cannot hold, so that convert can refuse a
// lossy conversion unless told --lossy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "traces/trace.h"

namespace heapreplay {

// One thing a format cannot hold: how many events (or threads) it touches,
// and what becomes of them, e.g. {12, "aligned allocations written as malloc:
// their alignment is lost"}.
struct ExportLoss {
  std::uint64_t count = 0;
  std::string what;
};

struct TraceExport {
  const char* name;     // --to NAME
  const char* summary;  // one line, for --help
  // What writing `view` in this format loses; empty when nothing.
  std::vector<ExportLoss> (*losses)(const TraceView& view);
  // Appends the file's text to `out`, holding what it can.
  void (*write)(const TraceView& view, std::string& out);
};

// Each writer: traces/writers/NAME_writer.cpp.
std::vector<ExportLoss> rep_losses(const TraceView& view);
void write_rep(const TraceView& view, std::string& out);
std::vector<ExportLoss> mtrace_losses(const TraceView& view);
void write_mtrace(const TraceView& view, std::string& out);
std::vector<ExportLoss> android_losses(const TraceView& view);
void write_android(const TraceView& view, std::string& out);
std::vector<ExportLoss> text_losses(const TraceView& view);

// The table: one row per export.
std::span<const TraceExport> trace_exports();
const TraceExport* find_trace_export(std::string_view name);
// "rep, text, android, mtrace", for messages and --help.
std::string trace_export_names();
// The losses as one clause: "3 threads ...; 12 aligned allocations ...".
std::string describe_losses(const std::vector<ExportLoss>& losses);

// What the writers share: the events of each kind that a format without
// them must write otherwise.
struct EventCensus {
  std::uint64_t callocs = 0, calloc_overflows = 0, aligned = 0, aligned_not_memalign = 0, aligned_not_power_of_two = 0,
                reallocs_to_zero = 0, frees_of_null = 0;
};
EventCensus take_census(const TraceView& view);
// The address a writer gives slot `id` in formats keyed by address: distinct
// slots never share one, and a slot keeps its address over reallocs.
inline std::uint64_t synthetic_address(std::uint32_t id) { return 0x10000000ull + std::uint64_t{id} * 0x10; }

}  // namespace heapreplay
