// The distance between two traces (see trace_distance.h).
#include "traces/tools/trace_distance.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace heapreplay {

namespace {

std::vector<std::uint64_t> counts(const LogHistogram& h) {
  std::vector<std::uint64_t> v(h.bin_count());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = h.count(i);
  return v;
}

}  // namespace

TraceStats distance_stats(const TraceView& view) {
  return compute_stats(view, StatsOptions{kDistanceBinsPerOctave, kDistanceCurvePoints});
}

TraceDistance trace_distance(const TraceStats& a, const TraceStats& b) {
  TraceDistance d;
  d.size_tvd = total_variation(counts(a.sizes), counts(b.sizes));
  std::vector<std::uint64_t> la = counts(a.lifetime_events), lb = counts(b.lifetime_events);
  la.push_back(a.blocks_live_at_end);
  lb.push_back(b.blocks_live_at_end);
  d.lifetime_tvd = total_variation(la, lb);

  double top = 0;
  for (double v : a.live_curve) top = std::max(top, v);
  std::size_t points = std::max(a.live_curve.size(), b.live_curve.size());
  if (points > 0) {
    double sum = 0;
    for (std::size_t i = 0; i < points; ++i) {
      // Curves of traces shorter than the point count have fewer points:
      // each point then stands for its share of the timeline.
      double x = a.live_curve.empty() ? 0 : a.live_curve[i * a.live_curve.size() / points];
      double y = b.live_curve.empty() ? 0 : b.live_curve[i * b.live_curve.size() / points];
      double err = top > 0 ? std::fabs(x - y) / top : (x == y ? 0.0 : 1.0);
      d.live_max_error = std::max(d.live_max_error, err);
      sum += err;
    }
    d.live_mean_error = sum / static_cast<double>(points);
  }
  d.thread_tvd = total_variation(a.thread_events, b.thread_events);
  d.cross_free_share_a = a.cross_thread_free_share();
  d.cross_free_share_b = b.cross_thread_free_share();
  d.cross_free_diff = std::fabs(d.cross_free_share_a - d.cross_free_share_b);
  std::vector<std::uint64_t> oa(a.op_count, a.op_count + kOpCount), ob(b.op_count, b.op_count + kOpCount);
  d.op_tvd = total_variation(oa, ob);
  return d;
}

nlohmann::json distance_to_json(const TraceDistance& d) {
  return {{"size_tvd", d.size_tvd},
          {"lifetime_tvd", d.lifetime_tvd},
          {"live_bytes_max_error", d.live_max_error},
          {"live_bytes_mean_error", d.live_mean_error},
          {"thread_tvd", d.thread_tvd},
          {"cross_thread_free_share_a", d.cross_free_share_a},
          {"cross_thread_free_share_b", d.cross_free_share_b},
          {"cross_thread_free_diff", d.cross_free_diff},
          {"op_tvd", d.op_tvd}};
}

std::string distance_to_text(const TraceDistance& d) {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "  request sizes      total variation %.4f  (4 bins per octave)\n"
                "  block lifetimes    total variation %.4f  (events, 4 bins per octave, live at end as one bin)\n"
                "  live bytes         max error %.2f%%, mean %.2f%% of the peak  (100 windows)\n"
                "  threads            total variation %.4f; cross-thread frees %.2f%% vs %.2f%%\n"
                "  operations         total variation %.4f\n",
                d.size_tvd, d.lifetime_tvd, 100 * d.live_max_error, 100 * d.live_mean_error, d.thread_tvd,
                100 * d.cross_free_share_a, 100 * d.cross_free_share_b, d.op_tvd);
  return buf;
}

}  // namespace heapreplay
