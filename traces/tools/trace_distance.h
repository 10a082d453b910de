// How far apart two traces are, in the figures that matter to an allocator:
// what `heapreplay gen fit` reports and `heapreplay trace compare` prints.
//
// Definitions (0 means identical in that respect):
//  - size_tvd: total variation distance between the request-size histograms,
//    4 bins per octave.
//  - lifetime_tvd: the same for block lifetimes in events, 4 bins per octave,
//    with the blocks still live at the end as one more bin.
//  - live_max_error / live_mean_error: each trace's live-bytes curve is
//    resampled to 100 points (the mean over 100 equal windows of its own
//    events); the largest and the mean |a - b| over the points, divided by
//    the largest point of a.
//  - thread_tvd: total variation distance between the shares of events per
//    thread index; cross_free_diff: |share of cross-thread frees in a - in b|.
//  - op_tvd: total variation distance between the operation mixes.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "traces/tools/trace_stats.h"

namespace heapreplay {

inline constexpr unsigned kDistanceBinsPerOctave = 4;
inline constexpr std::uint32_t kDistanceCurvePoints = 100;

struct TraceDistance {
  double size_tvd = 0, lifetime_tvd = 0;
  double live_max_error = 0, live_mean_error = 0;
  double thread_tvd = 0, cross_free_diff = 0;
  double op_tvd = 0;
  double cross_free_share_a = 0, cross_free_share_b = 0;
};

// The stats to compare (4 bins per octave, 100 curve points).
TraceStats distance_stats(const TraceView& view);
// Distance of b from a (a is the reference: the live-bytes errors are
// relative to a's peak point). Both computed by distance_stats.
TraceDistance trace_distance(const TraceStats& a, const TraceStats& b);

nlohmann::json distance_to_json(const TraceDistance& d);
std::string distance_to_text(const TraceDistance& d);

}  // namespace heapreplay
