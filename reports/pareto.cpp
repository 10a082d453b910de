// The Pareto front of time against memory (see pareto.h).
#include "reports/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "reports/format.h"
#include "reports/table.h"

namespace heapreplay {

std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& points) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!std::isnan(points[i].first) && !std::isnan(points[i].second)) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a] != points[b]) return points[a] < points[b];
    return a < b;
  });
  // Fastest first: a point is on the front when it needs less memory than
  // every faster one, or is the very twin of the last point taken. One that
  // is as fast but needs more, or needs as much but is slower, is beaten.
  std::vector<std::size_t> front;
  double least = std::numeric_limits<double>::infinity();
  for (std::size_t i : order) {
    const auto& p = points[i];
    if (front.empty() || p.second < least || points[front.back()] == p) {
      front.push_back(i);
      least = std::min(least, p.second);
    }
  }
  return front;
}

namespace {

// The aggregates of one workload, in report order.
struct Workload {
  std::string name;
  bool program = false;
  std::vector<const Aggregate*> specs;
};

std::vector<Workload> workloads_of(const std::vector<Aggregate>& aggregates) {
  std::vector<Workload> out;
  for (const Aggregate& a : aggregates) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const Workload& w) { return w.name == a.trace && w.program == a.is_program(); });
    if (it == out.end()) it = out.insert(out.end(), Workload{a.trace, a.is_program(), {}});
    it->specs.push_back(&a);
  }
  return out;
}

ParetoChart chart_of(const ParetoAxis& axis, const Workload& w) {
  ParetoChart c{axis, {}, {}, {}};
  for (const Aggregate* a : w.specs) {
    const MetricSummary* time = a->find(w.program ? "wall_ns" : "ns_per_event");
    if (a->ok_runs == 0 || !time) continue;
    const MetricSummary* memory = a->find(axis.metric);
    if (!memory) {
      c.unmeasured.push_back(a->allocator);
      continue;
    }
    c.points.push_back(ParetoPoint{a->allocator, time->summary.median, memory->summary.median, false});
  }
  std::vector<std::pair<double, double>> xy;
  for (const ParetoPoint& p : c.points) xy.push_back({p.time, p.memory});
  c.front = pareto_front(xy);
  for (std::size_t i : c.front) c.points[i].on_front = true;
  return c;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + printable(x);
  return s;
}

// One workload: a line per point of each front, aligned, the spec last (it
// is the long one); then the charts that cannot be drawn and the specs on
// no front.
void workload_text(const ParetoWorkload& w, std::ostringstream& os) {
  os << printable(w.name) << '\n';
  std::vector<std::vector<std::string>> rows;  // label, time, memory, spec
  std::vector<std::string> notes;
  for (const ParetoChart& c : w.charts) {
    if (c.points.empty()) continue;  // no spec measured it: the report has no such figure
    if (!c.drawable()) {
      notes.push_back(std::string(c.axis.label) + ": measured for 1 spec only, no front");
      continue;
    }
    for (std::size_t k = 0; k < c.front.size(); ++k) {
      const ParetoPoint& p = c.points[c.front[k]];
      rows.push_back({k == 0 ? c.axis.label : "", pareto_time_text(p.time, w.program),
                      pareto_memory_text(p.memory, c.axis), printable(p.allocator)});
    }
    if (!c.unmeasured.empty()) notes.push_back(std::string(c.axis.label) + " not measured for " + join(c.unmeasured));
  }
  std::size_t width[3] = {0, 0, 0};
  for (const auto& r : rows)
    for (std::size_t i = 0; i < 3; ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows) {
    os << "  " << r[0] << std::string(width[0] - r[0].size(), ' ');
    for (std::size_t i = 1; i < 3; ++i) os << "  " << std::string(width[i] - r[i].size(), ' ') << r[i];
    os << "  " << r[3] << '\n';
  }
  const std::vector<std::string> beaten = w.on_no_front();
  if (!beaten.empty()) os << "  on no front: " << join(beaten) << '\n';
  for (const std::string& n : notes) os << "  " << n << '\n';
  if (!w.no_ok_run.empty()) os << "  no ok run: " << join(w.no_ok_run) << '\n';
}

}  // namespace

std::vector<std::string> ParetoWorkload::on_no_front() const {
  std::vector<std::string> on_front, seen, out;
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (const ParetoChart& c : charts)
    for (const ParetoPoint& p : c.points)
      if (c.drawable()) (p.on_front ? on_front : seen).push_back(p.allocator);
  for (const std::string& s : seen)
    if (!has(on_front, s) && !has(out, s)) out.push_back(s);
  return out;
}

std::string pareto_time_text(double time, bool program) {
  return program ? human_duration(time) : fixed_digits(time, 2) + " ns/event";
}

std::string pareto_memory_text(double memory, const ParetoAxis& axis) {
  return axis.unit == MetricUnit::kBytes ? human_bytes(memory) : fixed_digits(memory, 3);
}

std::vector<ParetoWorkload> pareto_workloads(const std::vector<Aggregate>& aggregates) {
  std::vector<ParetoWorkload> out;
  for (const Workload& w : workloads_of(aggregates)) {
    if (w.specs.size() < 2) continue;
    ParetoWorkload pw;
    pw.name = w.name;
    pw.program = w.program;
    for (const Aggregate* a : w.specs)
      if (a->ok_runs == 0) pw.no_ok_run.push_back(a->allocator);
    for (const ParetoAxis& axis : kParetoAxes) {
      if (w.program && std::string(axis.metric) != "peak_rss_bytes") continue;
      pw.charts.push_back(chart_of(axis, w));
    }
    out.push_back(std::move(pw));
  }
  return out;
}

std::string render_pareto_text(const std::vector<ParetoWorkload>& workloads) {
  if (workloads.empty()) return "";
  std::ostringstream os;
  os << "\nPareto front: median time against memory per workload (lower is better on both)\n";
  for (const ParetoWorkload& w : workloads) workload_text(w, os);
  return os.str();
}

}  // namespace heapreplay
