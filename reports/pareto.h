// The trade-off between time and memory across allocator configurations: per
// workload (a trace, a bench suite entry such as "suite:churn", or a program
// of `heapreplay run`), every allocator spec is one point (median time,
// median memory), and the Pareto front is the set of points that no other
// point beats on both. Times of different workloads are not comparable, so
// each workload has fronts of its own. Computed at render time from the
// aggregates; nothing of it is stored in the report. Rules (ties, missing
// figures, a single point): docs/configurations.md ("The Pareto front").
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "reports/aggregate.h"

namespace heapreplay {

// The indices of the points on the Pareto front when both coordinates are
// minimised. Point p dominates q when p is no worse on either coordinate
// and better on at least one; the front is every point that no point
// dominates. Points equal on both coordinates do not dominate each other,
// so they are on the front together or not at all. A point with a NaN
// coordinate is never on it. The indices come sorted by the first
// coordinate, then the second, then index. One point is its own front.
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points);

// A memory axis set against time.
struct ParetoAxis {
  const char* metric;  // the aggregate metric: "peak_rss_bytes", ...
  const char* label;   // as the renderings name it: "peak RSS", ...
  const char* kind;    // the HTML chart's kind: "pareto_rss", ...
  MetricUnit unit;
};

// Replays: peak RSS, peak footprint, and fragmentation as footprint / live
// at the peak of live (fragmentation_at_peak_live). The other ratio,
// fragmentation_peak_ratio, is peak footprint over the trace's peak live,
// which is the same for every allocator: its front is the footprint's.
// Program runs have peak RSS only.
inline constexpr ParetoAxis kParetoAxes[] = {
    {"peak_rss_bytes", "peak RSS", "pareto_rss", MetricUnit::kBytes},
    {"peak_footprint_bytes", "peak footprint", "pareto_footprint", MetricUnit::kBytes},
    {"fragmentation_at_peak_live", "fragmentation", "pareto_fragmentation", MetricUnit::kRatio},
};

struct ParetoPoint {
  std::string allocator;  // the spec, a configuration of a sweep included
  double time = 0;        // median over ok runs: ns/event (replays) or wall ns (programs)
  double memory = 0;      // median over ok runs of the axis' metric
  bool on_front = false;
};

// One axis of one workload.
struct ParetoChart {
  ParetoAxis axis;
  std::vector<ParetoPoint> points;      // the specs that measured both figures, in report order
  std::vector<std::size_t> front;       // into points: the front, fastest first
  std::vector<std::string> unmeasured;  // specs with ok runs that lack this axis' figure
  // Shown only with something to weigh: two or more points.
  bool drawable() const { return points.size() >= 2; }
};

struct ParetoWorkload {
  std::string name;                    // the trace (or program) as the report names it
  bool program = false;                // time is wall_ns, not ns_per_event
  std::vector<std::string> no_ok_run;  // specs none of whose runs was ok
  std::vector<ParetoChart> charts;     // one per axis of kParetoAxes (programs: peak RSS only)
  // The specs that are a point of some drawable chart but on none of their
  // fronts, in report order.
  std::vector<std::string> on_no_front() const;
};

// Every workload that ran two or more allocator specs, in first-seen order;
// a workload with one spec has nothing to trade and is left out.
std::vector<ParetoWorkload> pareto_workloads(const std::vector<Aggregate>& aggregates);

// A point's time as the renderings show it: "35.20 ns/event" for a replay,
// "4.90 ms" for a program; and its memory: "1.5 MiB", or a ratio "1.391".
std::string pareto_time_text(double time, bool program);
std::string pareto_memory_text(double memory, const ParetoAxis& axis);

// The front as text for a terminal, under the table of `heapreplay report`:
// per workload, per axis with two or more points, the front's points fastest
// first (time, memory, spec); then the specs on no front, an axis only one
// spec measured, the specs that lack an axis' figure and those never ok. An
// axis no spec measured is left out. "" when no workload ran two specs.
std::string render_pareto_text(const std::vector<ParetoWorkload>& workloads);

}  // namespace heapreplay
