// Fidelity: how well a stand-in predicts what it stands for. `heapreplay
// fidelity` runs a real program under each allocator (the reference) and
// replays its recording through the same allocators (the stand-in);
// `fidelity --fit` replays a trace (the reference) and its `gen fit`
// look-alike (the stand-in). For every pair of allocators it asks whether the
// stand-in says the same as the reference about which one is faster and
// which needs less memory, counting only the pairs where the reference's own
// difference is significant over its repetitions (two-sided Mann-Whitney U,
// alpha 0.05). Formulas and the JSON block: reports/SCHEMA.md ("fidelity").
// Pure functions over a Report.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/run_result.h"

namespace heapreplay {

// One program (or trace) of a fidelity session: which runs of the report are
// its reference and which its stand-in, and what is known of its recording.
struct FidelitySubject {
  std::string name;             // the program's (or trace's) name
  std::string reference_trace;  // RunResult::trace of the reference runs
  std::string reference_kind;   // "program" (real runs) or "replay" (a trace replayed)
  std::string standin_trace;    // RunResult::trace of the stand-in's replay runs
  std::string standin_kind;     // "recording" or "look-alike"
  std::uint64_t recorded_events = 0;
  std::uint64_t recorded_peak_live_bytes = 0;
  // The program's resident memory before any of its code runs (its
  // executable and libraries mapped by the dynamic loader); 0 when not
  // measured. Subtracted from a program's peak RSS to compare memory ratios.
  std::uint64_t baseline_rss_bytes = 0;
  // Per allocator, the resident memory of a minimal program run under it
  // (ru_maxrss); empty when not measured. A replay's peak RSS is taken above
  // a baseline read after its allocator started, so it leaves out what the
  // allocator takes at start-up, which a program pays: each replay's RSS gets
  // its allocator's start-up memory beyond the reference allocator's added
  // back (a program reference only).
  std::map<std::string, std::uint64_t> allocator_startup_rss_bytes;
  std::vector<std::string> notes;  // warnings found while making the stand-in
};

struct FidelityOptions {
  double alpha = 0.05;                   // significance of the reference's difference
  double ratio_tolerance = 0.10;         // a memory-ratio cell is "close" within this relative error
  double hidden_heap_share = 1.0 / 3.0;  // warn below: recorded peak live / (program peak RSS - baseline)
  double malloc_time_share = 0.10;       // warn below: stand-in time / program time (reference allocator)
};

// The report's `fidelity` block: per subject the side-by-side figures, the
// pairs, the agreement summaries and the warnings; then the totals over all
// subjects. The reference allocator of memory ratios is glibc when it ran,
// else the first allocator.
nlohmann::json compute_fidelity(const Report& report, const std::vector<FidelitySubject>& subjects,
                                const FidelityOptions& options = {});

// Kendall's tau-b of two rankings given as paired values (smaller is better
// in both); pairs tied in either count as neither concordant nor discordant.
// NaN when fewer than two items, or when either side is all ties.
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

// The `fidelity` block as text for a terminal (tables per subject, the
// summaries, the warnings); empty for a null block.
std::string render_fidelity(const nlohmann::json& fidelity);

// The same as markdown (a table per subject, every text escaped), for
// render_markdown; empty for a null block.
std::string render_fidelity_markdown(const nlohmann::json& fidelity);

}  // namespace heapreplay
